"""Who may see what: the one place access rules live.

- ``coordinator``: everything in the program.
- ``mentor`` / ``newcomer``: their own record in full; other people's public profile,
  and only of people who consented to the directory; private fields (contact) of the
  people they are in an active mentorship with. Sensitive attributes: only their own.
- ``partner``: organizations, institutions, neighborhoods, languages, interests and
  aggregate counts; no person-level data at all.
- anonymous: nothing, unless the operator opens the public institutions view.

Every node a request reads goes through :meth:`Policy.can_see`, every marked field
through :meth:`Policy.can_read`; the GraphQL layer calls these and nothing else decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphsvc.auth import ApiRole, Principal
from graphsvc.auth.cache import TTLCache
from graphsvc.model import Label, MentorshipStatus, Node, Person, RelType, Visibility
from graphsvc.store import Store

PARTNERS_CACHE_TTL = 5.0  # seconds, in the API
_PUBLIC_PLACES = frozenset({Label.INSTITUTION, Label.NEIGHBORHOOD, Label.LANGUAGE, Label.ORGANIZATION})
_PARTNER_LABELS = frozenset({Label.ORGANIZATION, Label.INSTITUTION, Label.NEIGHBORHOOD, Label.LANGUAGE, Label.INTEREST})


@dataclass
class Policy:
    principal: Principal
    public_institutions: bool = False
    #: people in an active mentorship with the principal (they may read each other's contact)
    partners: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def for_principal(cls, store: Store, principal: Principal, *, public_institutions: bool = False,
                      cache: TTLCache[str, frozenset[str]] | None = None) -> Policy:
        """The principal's policy. With a ``cache`` (the API keeps one per app, for
        :data:`PARTNERS_CACHE_TTL` seconds, cleared by its own writes), a participant's
        mentorship partners are read from the store at most once per that time."""
        partners: frozenset[str] | None = frozenset()
        if (person_id := principal.person_id) is not None:
            partners = cache.get(person_id) if cache is not None else None
            if partners is None:
                partners = active_partners(store, person_id)
                if cache is not None:
                    cache.put(person_id, partners)
        return cls(principal, public_institutions, partners)

    @staticmethod
    def needs_store(principal: Principal, cache: TTLCache[str, frozenset[str]] | None) -> bool:
        """Whether :meth:`for_principal` would call the store (else it is cheap enough
        for the event loop)."""
        return principal.person_id is not None and (cache is None or cache.get(principal.person_id) is None)

    @property
    def is_coordinator(self) -> bool:
        return self.principal.role is ApiRole.COORDINATOR

    def is_self(self, person_id: str) -> bool:
        return self.principal.person_id is not None and self.principal.person_id == person_id

    def can_list(self, label: Label) -> bool:
        """Whether the principal may read nodes of this label at all."""
        role = self.principal.role
        if role is ApiRole.COORDINATOR:
            return True
        if role is ApiRole.PARTNER:
            return label in _PARTNER_LABELS
        if role is ApiRole.ANONYMOUS:
            return self.public_institutions and label in _PUBLIC_PLACES
        return label is not Label.MENTORSHIP  # participants: people filtered one by one

    def directory_viewer(self) -> str | None:
        """For listings of people: ``None`` if everyone shows, else the viewer's own id
        (people without directory consent are hidden but for the viewer themself)."""
        return None if self.is_coordinator else (self.principal.person_id or "")

    def can_see(self, node: Node) -> bool:
        if not self.can_list(node.label):
            return False
        if self.is_coordinator:
            return True
        if isinstance(node, Person):
            return self.is_self(node.id) or node.consent.directory
        # participants see their mentorships through their own record only
        return node.label is not Label.MENTORSHIP

    def can_read(self, person_id: str, visibility: Visibility) -> bool:
        """Whether a marked field of a person may be read."""
        if visibility is Visibility.PUBLIC or self.is_coordinator or self.is_self(person_id):
            return True
        if visibility is Visibility.PRIVATE:
            return self.principal.is_participant and person_id in self.partners
        return False


def active_partners(store: Store, person_id: str) -> frozenset[str]:
    """The people in an active mentorship with ``person_id``."""
    roles = [RelType.MENTOR_IN, RelType.MENTEE_IN]
    mentorships = [r.end for r in store.relationships(Label.PERSON, person_id, roles)]
    active = [m for m, node in store.get_many(Label.MENTORSHIP, mentorships).items() if node.status is MentorshipStatus.ACTIVE]
    partners = {r.start for m in active for r in store.relationships(Label.MENTORSHIP, m, roles)}
    return frozenset(partners - {person_id})
