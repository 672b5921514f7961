"""The alerts inbox's indexes: a user's alerts by id (pages, counts, marks) and alerts by the time raised

Revision ID: f4a8c2e6b1d9
Revises: f5a2c8e1d903
Create Date: 2026-12-01 08:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f4a8c2e6b1d9'
down_revision = 'f5a2c8e1d903'
branch_labels = None
depends_on = None


def upgrade():
    # The inbox lists a user's alerts newest first (by alert id), counts them and marks them read from this
    # index alone; (user_id, acked_dt) stays for the unread badge.
    op.create_index('ix_alert_recipients_user_id_alert_id', 'alert_recipients', ['user_id', 'alert_id', 'acked_dt'])
    # The date filter (raised_from, raised_to) begins from the alerts raised on those days.
    op.create_index('ix_alerts_raised_dt', 'alerts', ['raised_dt'])


def downgrade():
    op.drop_index('ix_alerts_raised_dt', table_name='alerts')
    op.drop_index('ix_alert_recipients_user_id_alert_id', table_name='alert_recipients')
