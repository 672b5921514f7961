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
                   help="act as of this moment (local time unless an offset is given); default: now")


@cli.command("scan")
@NOW
def scan(now):
    """Run one raising pass: raise every alert whose threshold has passed and not yet raised."""
    result = raising.scan(_moment(now))
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(result.raised.items())) or "nothing new"
    click.echo(f"Raised {result.total} alert(s): {kinds}; cards re-evaluated for {len(result.enterprises)} "
               "enterprise(s).")


@cli.command("digest")
@NOW
def write_digests(now):
    """Write today's digest e-mails (once DIGEST_HOUR has passed) and queue them."""
    written = digest.run(_moment(now))
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
