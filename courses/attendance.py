"""Attendance at workshop dates, as the completion rule sees it.

Workshop dates (Präsenztermine) and their attendance records are the workshop feature's; until
they exist no module's workshop requirement can be fulfilled, which is the safe answer.
"""


def attended_module_ids(*, user, module_ids: list[int]) -> set[int]:
    return set()
