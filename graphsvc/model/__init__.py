"""The graph model: nodes, relationships, codes, visibility marks and flat records."""

from graphsvc.model.nodes import (
    NODE_MODELS,
    Circle,
    Consent,
    Contact,
    EndReason,
    Goal,
    Institution,
    InstitutionKind,
    Interest,
    InterestCategory,
    Label,
    Language,
    Mentorship,
    MentorshipStatus,
    Neighborhood,
    Node,
    Occupation,
    Organization,
    OrganizationKind,
    Person,
    Purpose,
    Role,
    SensitiveAttributes,
    TimeSlot,
)
from graphsvc.model.records import (
    from_record,
    name_key,
    parse_node,
    parse_rel,
    to_record,
)
from graphsvc.model.relationships import (
    REL_SPECS,
    AffiliationRole,
    Proficiency,
    Rel,
    RelType,
)
from graphsvc.model.visibility import Visibility, fields_with, visibility_of

__all__ = [
    "NODE_MODELS", "REL_SPECS", "AffiliationRole", "Circle", "Consent", "Contact", "EndReason",
    "Goal", "Institution", "InstitutionKind", "Interest", "InterestCategory", "Label", "Language",
    "Mentorship", "MentorshipStatus", "Neighborhood", "Node", "Occupation", "Organization",
    "OrganizationKind", "Person", "Proficiency", "Purpose", "Rel", "RelType", "Role",
    "SensitiveAttributes", "TimeSlot", "Visibility", "fields_with", "from_record", "name_key",
    "parse_node", "parse_rel", "to_record", "visibility_of",
]
