from django.dispatch import Signal

# Sent after the transaction that recorded a course completion has committed.
# Receivers (e.g. automatic certificates) must only queue work, never do it inline.
course_completed = Signal()
