"""indexes for pages as the data grows: an enterprise's findings newest first; findings that may have been overdue

Revision ID: b8d4f2a6c1e9
Revises: f4c8a2d6e1b9
Create Date: 2026-12-01 08:00:00

"""
import sqlalchemy as sa
from alembic import op

from inspections.models import LATE_CONDITION

# revision identifiers, used by Alembic.
revision = 'b8d4f2a6c1e9'
down_revision = 'f4c8a2d6e1b9'
branch_labels = None
depends_on = None


def upgrade():
    # The enterprise page lists an enterprise's findings newest first, a page at a time.
    op.create_index('ix_findings_enterprise_found', 'findings', ['enterprise_id', 'found_dt'], unique=False)
    # The card board's overdue trend counts only findings open or closed late (inspections.models.LATE_CONDITION).
    op.create_index('ix_findings_late', 'findings', ['closed_dt', 'deadline', 'found_dt'], unique=False,
                    sqlite_where=sa.text(LATE_CONDITION['sqlite']),
                    postgresql_where=sa.text(LATE_CONDITION['postgresql']))


def downgrade():
    op.drop_index('ix_findings_late', table_name='findings')
    op.drop_index('ix_findings_enterprise_found', table_name='findings')
