"""The data model (DESIGN §4). Import models from here."""
from .base import utcnow
from .community import Community, Site
from .accounts import User, Device
from .people import Person, Registration
from .gate import GateEntry
from .sampling import Tube, Sample, Box, LabResult, Retest
from .flags import Flag
from .audit import AuditEvent
from .inbox import InboxRecord, SyncRejection
from .counters import DailyCount, RateLimitBucket
from .ledgers import (BuildingAssignment, DoorEvent, DoorSensor, Integration, Placement,
                      TemperatureReport)
from .followup import CareNeed, CareVisit, Problem, WorkGroup, WorkGroupMember
from .households import Grid, GridBuilding, HouseholdNeed, TemperatureReading
from .scheduler import SchedulerHeartbeat, SchedulerJob, SchedulerRun
from .rounds import SamplingRound
from .rosters import DutyAssignment, DutyShift, GateSignIn
from .special import SpecialCategory, SpecialContact

__all__ = [
    "utcnow", "Community", "Site", "User", "Device", "Person", "GateEntry", "Tube", "Sample",
    "Box", "LabResult", "Retest", "Flag", "AuditEvent", "InboxRecord", "SyncRejection",
    "DailyCount", "RateLimitBucket", "Problem", "WorkGroupMember", "CareNeed", "CareVisit",
    "BuildingAssignment", "Placement", "TemperatureReport", "Integration", "DoorSensor",
    "DoorEvent", "Registration", "SchedulerJob", "SchedulerRun", "SchedulerHeartbeat",
    "SamplingRound",
    "DutyShift", "DutyAssignment", "GateSignIn", "SpecialCategory", "SpecialContact",
    "WorkGroup",
    "TemperatureReading", "HouseholdNeed", "Grid", "GridBuilding",
]
