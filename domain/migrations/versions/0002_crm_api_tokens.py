"""api tokens

Revision ID: 0002_crm
Revises: 0001_crm
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_crm'
down_revision = '0001_crm'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('crm_api_token',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['username'], ['crm_user.username'], name=op.f('fk_crm_api_token_username_crm_user')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_crm_api_token'))
    )
    with op.batch_alter_table('crm_api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_api_token_username'), ['username'], unique=False)


def downgrade() -> None:

    with op.batch_alter_table('crm_api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_api_token_username'))

    op.drop_table('crm_api_token')

