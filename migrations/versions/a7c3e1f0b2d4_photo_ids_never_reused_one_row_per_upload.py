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
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7c3e1f0b2d4'
down_revision = '20da1ee160c6'
branch_labels = None
depends_on = None


def _rebuild(table_kwargs: dict, change) -> None:
    """Run ``change(batch_op)`` on photos; on SQLite the table is rebuilt (the only way to change AUTOINCREMENT
    there; the copy keeps every id, and the new sequence starts after the largest one). finding_photos refers
    to photos, so SQLite's foreign key check is off while the old table is dropped (a setting that only takes
    effect outside a transaction), and the whole database is checked before it is back on."""
    if op.get_bind().dialect.name != 'sqlite':
        with op.batch_alter_table('photos', schema=None) as batch_op:
            change(batch_op)
        return
    context = op.get_context()
    with context.autocommit_block():
        op.execute('PRAGMA foreign_keys = OFF')
    with op.batch_alter_table('photos', schema=None, recreate='always', table_kwargs=table_kwargs) as batch_op:
        change(batch_op)
    broken = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').fetchall()
    if broken:
        raise RuntimeError(f'foreign keys broken by rebuilding photos: {broken}')
    with context.autocommit_block():
        op.execute('PRAGMA foreign_keys = ON')


def _one_row_per_upload(batch_op):
    batch_op.drop_constraint(batch_op.f('uq_photos_sha256'), type_='unique')
    batch_op.create_index(batch_op.f('ix_photos_sha256'), ['sha256'], unique=False)


def _one_row_per_content(batch_op):
    batch_op.drop_index(batch_op.f('ix_photos_sha256'))
    batch_op.create_unique_constraint(batch_op.f('uq_photos_sha256'), ['sha256'])


def upgrade():
    _rebuild({'sqlite_autoincrement': True}, _one_row_per_upload)


def downgrade():
    # Refused (by the unique constraint) once two rows share bytes; a downgrade is for an empty or young store.
    _rebuild({}, _one_row_per_content)
