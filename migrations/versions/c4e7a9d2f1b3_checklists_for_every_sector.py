"""checklists for every sector: new domains, parts, successor notices, sources; enterprise sub-sector

Revision ID: c4e7a9d2f1b3
Revises: 65b1e6c24c6b
Create Date: 2026-12-01 04:50:00

"""
import sqlalchemy as sa
from alembic import op

from core.db import batch_rebuild

# revision identifiers, used by Alembic.
revision = 'c4e7a9d2f1b3'
down_revision = '65b1e6c24c6b'
branch_labels = None
depends_on = None

OLD_DOMAINS = ('hazardous_chemicals', 'gas', 'construction')
NEW_DOMAINS = OLD_DOMAINS + ('port_dangerous_goods', 'industry_trade', 'premises')


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with batch_rebuild('checklist_versions') as batch_op:
        batch_op.add_column(sa.Column('source', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('parts', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('successor_standard', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('successor_title_zh', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('successor_title_en', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('successor_effective_from', sa.Date(), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_checklist_versions_known_domain'), type_='check')
        batch_op.create_check_constraint('known_domain', _in('domain', NEW_DOMAINS))

    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('part', sa.String(length=40), nullable=False, server_default=''))

    with batch_rebuild('inspections') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_inspections_known_domain'), type_='check')
        batch_op.create_check_constraint('known_domain', _in('domain', NEW_DOMAINS))

    with batch_rebuild('enterprises') as batch_op:
        batch_op.add_column(sa.Column('sub_sector', sa.String(length=30), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('features', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    with batch_rebuild('enterprises') as batch_op:
        batch_op.drop_column('features')
        batch_op.drop_column('sub_sector')

    op.execute(f"DELETE FROM inspections WHERE NOT ({_in('domain', OLD_DOMAINS)})")
    with batch_rebuild('inspections') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_inspections_known_domain'), type_='check')
        batch_op.create_check_constraint('known_domain', _in('domain', OLD_DOMAINS))

    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.drop_column('part')

    op.execute(f"DELETE FROM checklist_versions WHERE NOT ({_in('domain', OLD_DOMAINS)})")
    with batch_rebuild('checklist_versions') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_checklist_versions_known_domain'), type_='check')
        batch_op.create_check_constraint('known_domain', _in('domain', OLD_DOMAINS))
        for column in ('successor_effective_from', 'successor_title_en', 'successor_title_zh',
                       'successor_standard', 'parts', 'note', 'source'):
            batch_op.drop_column(column)
