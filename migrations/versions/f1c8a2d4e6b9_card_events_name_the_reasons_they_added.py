"""card events name the reasons (rules, findings, earlier cards) each step added

Revision ID: f1c8a2d4e6b9
Revises: f4a8c2e6b1d9
Create Date: 2026-12-01 08:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f1c8a2d4e6b9'
down_revision = 'f4a8c2e6b1d9'
branch_labels = None
depends_on = None


def upgrade():
    # Events recorded before keep an empty list: the pages then fall back to when the reason was first seen.
    with op.batch_alter_table('card_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('added', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('card_events', schema=None) as batch_op:
        batch_op.drop_column('added')
