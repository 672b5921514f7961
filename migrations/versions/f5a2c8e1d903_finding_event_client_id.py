"""finding events carry the client_id of the request that made them, so a tablet's resent rectification,
verification or extension request is recognised and stored once

Revision ID: f5a2c8e1d903
Revises: e3b6d1f0a7c2
Create Date: 2026-12-01 08:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f5a2c8e1d903'
down_revision = 'e3b6d1f0a7c2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('finding_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_finding_events_client_id'), ['client_id'])


def downgrade():
    with op.batch_alter_table('finding_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_finding_events_client_id'), type_='unique')
        batch_op.drop_column('client_id')
