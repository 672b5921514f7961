"""indexes for the findings and enterprises lists: each order ends in the id (keyset pages), the default list
(findings not yet closed by deadline) has a partial index of its own

Revision ID: f4c8a2d6e1b9
Revises: e3b6d1f0a7c2
Create Date: 2026-12-01 08:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f4c8a2d6e1b9'
down_revision = 'e3b6d1f0a7c2'
branch_labels = None
depends_on = None

FINDINGS = {
    'ix_findings_status_deadline_id': ['status', 'deadline', 'id'],
    'ix_findings_deadline_id': ['deadline', 'id'],
    'ix_findings_found_dt_id': ['found_dt', 'id'],
    'ix_findings_severity_deadline_id': ['severity', 'deadline', 'id'],
}


def upgrade():
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index('ix_findings_status_deadline')
        for name, columns in FINDINGS.items():
            batch_op.create_index(name, columns, unique=False)
        batch_op.create_index('ix_findings_unclosed_deadline_id', ['deadline', 'id'], unique=False,
                              sqlite_where=sa.text("status != 'verified'"),
                              postgresql_where=sa.text("status <> 'verified'"))
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_index('ix_enterprises_name')
        batch_op.create_index('ix_enterprises_name_id', ['name', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_index('ix_enterprises_name_id')
        batch_op.create_index('ix_enterprises_name', ['name'], unique=False)
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index('ix_findings_unclosed_deadline_id')
        for name in FINDINGS:
            batch_op.drop_index(name)
        batch_op.create_index('ix_findings_status_deadline', ['status', 'deadline'], unique=False)
