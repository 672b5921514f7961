"""indexes for the findings and enterprises lists: each order ends in the id (keyset pages), the default list
(findings not yet closed by deadline) has a partial index of its own; findings carry their inspection's lead
inspector (copied, backfilled here) so that an inspector's own list is one index range; the holders of an active
card by colour

Revision ID: f4c8a2d6e1b9
Revises: f1c8a2d4e6b9
Create Date: 2026-12-01 08:00:00

"""
import sqlalchemy as sa
from alembic import op

from core.db import batch_rebuild

# revision identifiers, used by Alembic.
revision = 'f4c8a2d6e1b9'
down_revision = 'f1c8a2d4e6b9'
branch_labels = None
depends_on = None

FINDINGS = {
    'ix_findings_status_deadline_id': ['status', 'deadline', 'id'],
    'ix_findings_deadline_id': ['deadline', 'id'],
    'ix_findings_found_dt_id': ['found_dt', 'id'],
    'ix_findings_severity_deadline_id': ['severity', 'deadline', 'id'],
    'ix_findings_inspector_deadline_id': ['inspector_id', 'deadline', 'id'],
}


UNCLOSED = {'sqlite_where': sa.text("status != 'verified'"), 'postgresql_where': sa.text("status <> 'verified'")}


def upgrade():
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inspector_id', sa.Integer(), nullable=True))
    op.execute('UPDATE findings SET inspector_id = '
               '(SELECT inspector_id FROM inspections WHERE inspections.id = findings.inspection_id)')
    # SQLite recreates findings here: finding_photos and others refer to it (core.db.batch_rebuild).
    with batch_rebuild('findings') as batch_op:
        batch_op.alter_column('inspector_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_findings_inspector_id_users'), 'users', ['inspector_id'], ['id'])
        batch_op.drop_index('ix_findings_status_deadline')
        for name, columns in FINDINGS.items():
            batch_op.create_index(name, columns, unique=False)
        batch_op.create_index('ix_findings_unclosed_deadline_id', ['deadline', 'id'], unique=False, **UNCLOSED)
        batch_op.create_index('ix_findings_inspector_unclosed_deadline_id', ['inspector_id', 'deadline', 'id'],
                              unique=False, **UNCLOSED)
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_index('ix_enterprises_name')
        batch_op.create_index('ix_enterprises_name_id', ['name', 'id'], unique=False)
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.create_index('ix_cards_active_colour_enterprise', ['colour', 'enterprise_id'], unique=False,
                              sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))


def downgrade():
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.drop_index('ix_cards_active_colour_enterprise')
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_index('ix_enterprises_name_id')
        batch_op.create_index('ix_enterprises_name', ['name'], unique=False)
    with batch_rebuild('findings') as batch_op:
        batch_op.drop_index('ix_findings_inspector_unclosed_deadline_id')
        batch_op.drop_index('ix_findings_unclosed_deadline_id')
        for name in FINDINGS:
            batch_op.drop_index(name)
        batch_op.create_index('ix_findings_status_deadline', ['status', 'deadline'], unique=False)
        batch_op.drop_constraint(batch_op.f('fk_findings_inspector_id_users'), type_='foreignkey')
        batch_op.drop_column('inspector_id')
