"""drafts

Revision ID: 0002_engine
Revises: 0001_engine
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_engine'
down_revision = '0001_engine'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('draft',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('process_key', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('bpmn', sa.LargeBinary(), nullable=False),
    sa.Column('copied_from', sa.String(length=160), nullable=True),
    sa.Column('author', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('deployed_version', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft'))
    )
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_process_key'), ['process_key'], unique=False)


def downgrade() -> None:

    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_process_key'))

    op.drop_table('draft')

