"""Find queued mail whose task was lost (a dead worker, a failed enqueue) and
enqueue it again; see accounts/mail.py. `make run` runs it before the worker
starts; in production a timer runs it every few minutes (docs/deploy.md)."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from accounts.mail import STALE_AFTER, recover_stale_mail


class Command(BaseCommand):
    help = "Enqueue again the mail that is overdue or whose worker died."

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-after",
            type=float,
            default=STALE_AFTER.total_seconds(),
            help=(
                "Seconds a mail may stay due, or claimed by a worker, before it "
                "counts as lost (default %(default)s). Below the longest send "
                "a live worker's mail could be sent twice."
            ),
        )

    def handle(self, *, stale_after, verbosity, **options):
        recovered = recover_stale_mail(timedelta(seconds=max(stale_after, 0)))
        if verbosity:
            self.stdout.write(f"{recovered} mail(s) enqueued again.")
