from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from alerts import delivery, digest, raising, scheduler
from core.db import db, utcnow
from core.time import zone

cli = AppGroup("alerts", help="Due-soon, overdue and escalation alerts.")


def _moment(raw: str | None) -> datetime:
    """``--now``: ISO date and time; without an offset it is the zone's local time."""
    if not raw:
        return utcnow()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise click.BadParameter(f"{raw!r} is not an ISO date and time such as 2027-01-01T09:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone())


NOW = click.option("--now", "now", metavar="2027-01-01T09:00",
                   help="act as of this moment (local time unless an offset is given); default: now. A moment "
                        "later than the clock only reports what would happen, unless --commit-future is given")
COMMIT_FUTURE = click.option("--commit-future", is_flag=True,
                             help="with a --now later than the clock, write the result all the same (alerts, "
                                  "cards and digests dated in the future)")


def _rehearsal(now: datetime, commit_future: bool) -> bool:
    """Whether to only report: a moment still to come would write future-dated state (cards issued tomorrow,
    "held -2 days") that nothing takes back, so that needs asking for by name."""
    return now > utcnow() and not commit_future


def _dry_run_note(now: datetime) -> str:
    return (f"Dry run: {now.astimezone(zone()).isoformat(timespec='minutes')} is later than the clock, so "
            "nothing was written; add --commit-future to write it.")


@cli.command("scan")
@NOW
@COMMIT_FUTURE
def scan(now, commit_future):
    """Run one raising pass: raise every alert whose threshold has passed and not yet raised."""
    moment = _moment(now)
    rehearsal = _rehearsal(moment, commit_future)
    result = (raising.rehearse if rehearsal else raising.scan)(moment)
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(result.raised.items())) or "nothing new"
    verb, cards = ("Would raise", "would be re-evaluated") if rehearsal else ("Raised", "re-evaluated")
    click.echo(f"{verb} {result.total} alert(s): {kinds}; cards {cards} for {len(result.enterprises)} "
               "enterprise(s).")
    if rehearsal:
        click.echo(_dry_run_note(moment))


@cli.command("digest")
@NOW
@COMMIT_FUTURE
def write_digests(now, commit_future):
    """Write today's digest e-mails (once DIGEST_HOUR has passed) and queue them."""
    moment = _moment(now)
    written = digest.run(moment)
    if _rehearsal(moment, commit_future):
        db.session.rollback()
        click.echo(f"Would write {written} digest(s).")
        click.echo(_dry_run_note(moment))
        return
    db.session.commit()
    click.echo(f"Wrote {written} digest(s).")


@cli.command("deliver")
@click.option("--retry-failed", is_flag=True, help="first re-queue deliveries that used up their attempts")
def deliver(retry_failed):
    """Send every delivery that is due (e-mail, webhooks), retrying failures later with backoff."""
    if retry_failed:
        click.echo(f"Re-queued {delivery.requeue_failed()} failed delivery(ies).")
        db.session.commit()
    totals = delivery.run()
    click.echo(f"Sent {totals['sent']}, failed {totals['failed']} (will be retried).")


@cli.command("run-scheduler")
def run_scheduler():
    """Run the scheduler process (one per deployment): raising passes, digests and deliveries."""
    click.echo(f"Alert scheduler: scan every {scheduler.SCAN_MINUTES} min, deliver every "
               f"{scheduler.DELIVER_MINUTES} min. Ctrl+C stops it.")
    scheduler.run_blocking(current_app._get_current_object())
