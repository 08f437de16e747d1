"""Module statistics for trainers: a few aggregate queries, whatever the number of people."""

import statistics
from collections import defaultdict

from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Substr

from ..models import CoursePage, LessonCompletion, LessonPage, QuizAttempt


def module_statistics(*, modules, people) -> dict[int, dict]:
    """started/completed counts, median days to complete, first-attempt pass rate per module."""
    if not modules:
        return {}
    path_length = len(modules[0].path)
    by_path = {module.path: module for module in modules}
    lessons = list(
        LessonPage.objects.live()
        .filter(depth=modules[0].depth + 1)
        .annotate(module_path=Substr("path", 1, path_length))
        .filter(module_path__in=list(by_path))
        .values("pk", "module_path")
    )
    lesson_module = {lesson["pk"]: lesson["module_path"] for lesson in lessons}
    lesson_counts = defaultdict(int)
    for lesson in lessons:
        lesson_counts[lesson["module_path"]] += 1

    completions = LessonCompletion.objects.filter(
        lesson_id__in=list(lesson_module), user__in=people
    ).annotate(module_path=Substr("lesson__path", 1, path_length))
    started = dict(
        completions.order_by()
        .values("module_path")
        .annotate(people=Count("user_id", distinct=True))
        .values_list("module_path", "people")
    )
    # Only the people who completed a module come to Python, with the time from their first
    # to their last completion in it computed by the database (one value instead of two
    # timestamps per person: at 50,000 participants parsing those dominated the page).
    lessons_needed = Case(
        *(When(module_path=path, then=Value(count)) for path, count in lesson_counts.items()),
        output_field=IntegerField(),
    )
    spans = (
        completions.order_by()
        .values("module_path", "user_id")
        .annotate(
            done=Count("id"),
            span=ExpressionWrapper(
                Max("completed_at") - Min("completed_at"), output_field=DurationField()
            ),
            needed=lessons_needed,
        )
        .filter(done__gte=F("needed"))
        .values_list("module_path", "span")
    )
    completed, durations = defaultdict(int), defaultdict(list)
    for path, span in spans:
        completed[path] += 1
        durations[path].append(span.total_seconds() / 86400)

    # First attempts only: no earlier attempt of the same person at the same check. Counted in
    # the database per lesson, so the rows never come to Python (docs/indexes.md).
    earlier_attempt = QuizAttempt.objects.filter(
        user_id=OuterRef("user_id"),
        lesson_id=OuterRef("lesson_id"),
        block_id=OuterRef("block_id"),
        pk__lt=OuterRef("pk"),
    )
    first_attempts_per_lesson = (
        QuizAttempt.objects.filter(lesson_id__in=list(lesson_module), user__in=people)
        .filter(~Exists(earlier_attempt))
        .order_by()
        .values("lesson_id")
        .annotate(attempts=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
    )
    first_pass = defaultdict(lambda: [0, 0])
    for row in first_attempts_per_lesson:
        counter = first_pass[lesson_module[row["lesson_id"]]]
        counter[0] += row["passed"]
        counter[1] += row["attempts"]

    course_titles = dict(
        CoursePage.objects.filter(
            path__in={path[: -CoursePage.steplen] for path in by_path}
        ).values_list("path", "title")
    )
    result = {}
    for path, module in by_path.items():
        median = statistics.median(durations[path]) if durations[path] else None
        passed, attempts = first_pass[path]
        rate = round(100 * passed / attempts) if attempts else None
        result[module.pk] = {
            "course_title": course_titles.get(path[: -CoursePage.steplen], ""),
            "lesson_count": lesson_counts[path],
            "started": started.get(path, 0),
            "completed": completed[path],
            "median_days": round(median, 1) if median is not None else None,
            "median_days_label": f"{median:.1f} Tage".replace(".", ",")
            if median is not None
            else "–",
            "first_pass_rate": rate,
            "first_pass_label": f"{rate} % ({attempts})" if rate is not None else "–",
        }
    return result
