"""rented premises, tenancies and their agreements; premises inspections and findings against landlord or tenant

Revision ID: e3b6d1f0a7c2
Revises: c4e7a9d2f1b3
Create Date: 2026-12-01 05:30:00

"""
import sqlalchemy as sa
from alembic import op

from core.db import batch_rebuild
from documents.immutable import TRIGGERS

# revision identifiers, used by Alembic.
revision = 'e3b6d1f0a7c2'
down_revision = 'c4e7a9d2f1b3'
branch_labels = None
depends_on = None

PARTY_NAMED = 'enterprise_id IS NOT NULL OR premises_id IS NOT NULL'
OLD_SUBJECTS = "subject_type IN ('finding', 'remediation_task')"
NEW_SUBJECTS = "subject_type IN ('finding', 'remediation_task', 'tenancy_agreement')"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def _documents_trigger():
    # SQLite drops a table's triggers with it, and the batch rebuilt ``documents``: an issued document still never
    # changes (documents.immutable). PostgreSQL altered the table in place and kept its trigger.
    if _sqlite():
        for statement in TRIGGERS['sqlite']:
            op.execute(statement)


def upgrade():
    op.create_table('agreement_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_agreement_files_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_files'))
    )
    with op.batch_alter_table('agreement_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_files_sha256'), ['sha256'], unique=False)

    op.create_table('premises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('zone', sa.String(length=100), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('landlord_enterprise_id', sa.Integer(), nullable=True),
    sa.Column('landlord_name', sa.String(length=100), nullable=False),
    sa.Column('landlord_phone', sa.String(length=40), nullable=False),
    sa.Column('use', sa.String(length=20), nullable=False),
    sa.Column('floors', sa.Integer(), nullable=False),
    sa.Column('area_m2', sa.Double(), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(landlord_enterprise_id IS NOT NULL AND landlord_name = '' AND landlord_phone = '') OR "
                       "(landlord_enterprise_id IS NULL AND landlord_name != '' AND landlord_phone != '')",
                       name=op.f('ck_premises_one_landlord')),
    sa.CheckConstraint("use IN ('factory', 'warehouse', 'factory_warehouse', 'other')",
                       name=op.f('ck_premises_known_use')),
    sa.CheckConstraint('area_m2 > 0', name=op.f('ck_premises_area_positive')),
    sa.CheckConstraint('floors >= 1', name=op.f('ck_premises_floors_positive')),
    sa.ForeignKeyConstraint(['landlord_enterprise_id'], ['enterprises.id'],
                            name=op.f('fk_premises_landlord_enterprise_id_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_premises')),
    sa.UniqueConstraint('name', name=op.f('uq_premises_name'))
    )
    with op.batch_alter_table('premises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_premises_landlord_enterprise_id'), ['landlord_enterprise_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_premises_zone'), ['zone'], unique=False)

    op.create_table('tenancies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('premises_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=100), nullable=False),
    sa.Column('unit_key', sa.String(length=100), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('agreement_signed_on', sa.Date(), nullable=True),
    sa.Column('agreement_expires_on', sa.Date(), nullable=True),
    sa.Column('agreement_file_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(agreement_signed_on IS NULL) = (agreement_expires_on IS NULL)',
                       name=op.f('ck_tenancies_agreement_dates')),
    sa.CheckConstraint('agreement_expires_on IS NULL OR agreement_expires_on >= agreement_signed_on',
                       name=op.f('ck_tenancies_agreement_in_order')),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_tenancies_dates_in_order')),
    sa.ForeignKeyConstraint(['agreement_file_id'], ['agreement_files.id'],
                            name=op.f('fk_tenancies_agreement_file_id_agreement_files')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_tenancies_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['premises_id'], ['premises.id'], name=op.f('fk_tenancies_premises_id_premises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenancies'))
    )
    with op.batch_alter_table('tenancies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenancies_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index('ix_tenancies_premises_unit', ['premises_id', 'unit_key'], unique=False)

    # A premises inspection's inspected party is the landlord: an enterprise, or a person (no enterprise).
    with batch_rebuild('inspections') as batch_op:
        batch_op.add_column(sa.Column('premises_id', sa.Integer(), nullable=True))
        batch_op.alter_column('enterprise_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f('ix_inspections_premises_id'), ['premises_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_inspections_premises_id_premises'), 'premises',
                                    ['premises_id'], ['id'])
        batch_op.create_check_constraint('party_named', PARTY_NAMED)

    # A premises finding is against the landlord or a tenant; a person landlord has no enterprise.
    with batch_rebuild('findings') as batch_op:
        batch_op.add_column(sa.Column('premises_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('party', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('tenancy_id', sa.Integer(), nullable=True))
        batch_op.alter_column('enterprise_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f('ix_findings_premises_id'), ['premises_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_tenancy_id'), ['tenancy_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_findings_premises_id_premises'), 'premises', ['premises_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_findings_tenancy_id_tenancies'), 'tenancies', ['tenancy_id'], ['id'])
        batch_op.create_check_constraint('party_named', PARTY_NAMED)
        batch_op.create_check_constraint('known_party', "party IN ('landlord', 'tenant')")
        batch_op.create_check_constraint('party_of_premises', '(premises_id IS NULL) = (party IS NULL)')

    with batch_rebuild('documents') as batch_op:
        batch_op.alter_column('enterprise_id', existing_type=sa.INTEGER(), nullable=True)
    _documents_trigger()

    with batch_rebuild('alerts') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_alerts_known_subject_type'), type_='check')
        batch_op.create_check_constraint('known_subject_type', NEW_SUBJECTS)


def downgrade():
    # What the older schema cannot hold goes: the agreements' alerts, premises inspections with their findings
    # and documents (as c4e7a9d2f1b3's downgrade drops inspections of the domains it added).
    op.execute("DELETE FROM alerts WHERE subject_type = 'tenancy_agreement' OR (subject_type = 'finding' AND "
               "subject_id IN (SELECT id FROM findings WHERE premises_id IS NOT NULL))")
    op.execute("DELETE FROM document_findings WHERE finding_id IN (SELECT id FROM findings WHERE premises_id IS NOT NULL)"
               " OR document_id IN (SELECT id FROM documents WHERE enterprise_id IS NULL OR inspection_id IN "
               "(SELECT id FROM inspections WHERE premises_id IS NOT NULL))")
    op.execute("DELETE FROM documents WHERE enterprise_id IS NULL OR inspection_id IN "
               "(SELECT id FROM inspections WHERE premises_id IS NOT NULL)")
    op.execute("DELETE FROM findings WHERE premises_id IS NOT NULL OR enterprise_id IS NULL")
    op.execute("DELETE FROM inspections WHERE premises_id IS NOT NULL OR enterprise_id IS NULL")

    with batch_rebuild('alerts') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_alerts_known_subject_type'), type_='check')
        batch_op.create_check_constraint('known_subject_type', OLD_SUBJECTS)

    with batch_rebuild('documents') as batch_op:
        batch_op.alter_column('enterprise_id', existing_type=sa.INTEGER(), nullable=False)
    _documents_trigger()

    with batch_rebuild('findings') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_findings_party_of_premises'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_findings_known_party'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_findings_party_named'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_findings_premises_id_premises'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_findings_tenancy_id_tenancies'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_findings_premises_id'))
        batch_op.drop_index(batch_op.f('ix_findings_tenancy_id'))
        batch_op.alter_column('enterprise_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('tenancy_id')
        batch_op.drop_column('party')
        batch_op.drop_column('premises_id')

    with batch_rebuild('inspections') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_inspections_party_named'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_inspections_premises_id_premises'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_inspections_premises_id'))
        batch_op.alter_column('enterprise_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('premises_id')

    with op.batch_alter_table('tenancies', schema=None) as batch_op:
        batch_op.drop_index('ix_tenancies_premises_unit')
        batch_op.drop_index(batch_op.f('ix_tenancies_enterprise_id'))
    op.drop_table('tenancies')
    with op.batch_alter_table('premises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_premises_zone'))
        batch_op.drop_index(batch_op.f('ix_premises_landlord_enterprise_id'))
    op.drop_table('premises')
    with op.batch_alter_table('agreement_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_files_sha256'))
    op.drop_table('agreement_files')
