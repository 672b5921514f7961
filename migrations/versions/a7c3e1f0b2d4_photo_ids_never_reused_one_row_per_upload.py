"""photo ids never reused (SQLite AUTOINCREMENT); one photo row per upload, so sha256 is no longer unique

Tablets hold photo ids for days before they send the inspection; after the sweep deleted the newest photo,
SQLite gave its id to the next upload, and a stale id attached another inspector's photo (issue 12). On
PostgreSQL identity columns never reuse ids, so only the sha256 change applies there. Rows of the same bytes
(another user's upload, or the same picture for another inspection) share the files, which are named by
the hash.

Revision ID: a7c3e1f0b2d4
Revises: 20da1ee160c6
Create Date: 2026-12-02 10:00:00.000000

"""
from core.db import batch_rebuild


# revision identifiers, used by Alembic.
revision = 'a7c3e1f0b2d4'
down_revision = '20da1ee160c6'
branch_labels = None
depends_on = None


def _one_row_per_upload(batch_op):
    batch_op.drop_constraint(batch_op.f('uq_photos_sha256'), type_='unique')
    batch_op.create_index(batch_op.f('ix_photos_sha256'), ['sha256'], unique=False)


def _one_row_per_content(batch_op):
    batch_op.drop_index(batch_op.f('ix_photos_sha256'))
    batch_op.create_unique_constraint(batch_op.f('uq_photos_sha256'), ['sha256'])


def upgrade():
    # On SQLite the table is rebuilt (the only way to add AUTOINCREMENT there; the copy keeps every id, and
    # the new sequence starts after the largest one).
    with batch_rebuild('photos', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        _one_row_per_upload(batch_op)


def downgrade():
    # Refused (by the unique constraint) once two rows share bytes; a downgrade is for an empty or young store.
    with batch_rebuild('photos') as batch_op:
        _one_row_per_content(batch_op)
