"""users.session_token: browser sessions end on a new password, a deactivation or a logout

Revision ID: b8d4f2a1c3e5
Revises: a7c3e1f0b2d4
Create Date: 2026-12-01 06:10:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

from core.db import batch_rebuild

# revision identifiers, used by Alembic.
revision = 'b8d4f2a1c3e5'
down_revision = 'a7c3e1f0b2d4'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('session_token', sa.String(length=32), nullable=True))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    connection = op.get_bind()
    # Each user a random token of their own (as accounts.models.new_session_token). Sessions from before this
    # revision carry a bare id, which the loader refuses: everyone logs in once after the upgrade.
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(users.update().where(users.c.id == user_id)
                           .values(session_token=secrets.token_urlsafe(16)))
    with batch_rebuild('users') as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=32), nullable=False)


def downgrade():
    with batch_rebuild('users') as batch_op:
        batch_op.drop_column('session_token')
