"""crm records

Revision ID: 0001_crm
Revises: 
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa


revision = '0001_crm'
down_revision = None
branch_labels = ('crm',)
depends_on = '0001_engine'


def upgrade() -> None:

    op.create_table('crm_complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('product', sa.String(length=128), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=True),
    sa.Column('sla_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('compensation', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('root_cause', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_complaint'))
    )
    with op.batch_alter_table('crm_complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_complaint_customer_id'), ['customer_id'], unique=False)

    op.create_table('crm_customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=64), nullable=True),
    sa.Column('industry', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('credit_limit', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('credit_used', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('payment_terms', sa.String(length=16), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_customer'))
    )
    with op.batch_alter_table('crm_customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_customer_name'), ['name'], unique=False)

    op.create_table('crm_group',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name_en', sa.String(length=128), nullable=False),
    sa.Column('name_zh', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_crm_group'))
    )
    op.create_table('crm_lead',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=False),
    sa.Column('contact_name', sa.String(length=128), nullable=True),
    sa.Column('email', sa.String(length=256), nullable=True),
    sa.Column('phone', sa.String(length=64), nullable=True),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('region', sa.String(length=64), nullable=True),
    sa.Column('industry', sa.String(length=64), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=True),
    sa.Column('duplicate_of', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('opportunity_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_lead'))
    )
    with op.batch_alter_table('crm_lead', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_lead_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_lead_phone'), ['phone'], unique=False)

    op.create_table('crm_notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=256), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('instance_id', sa.String(length=36), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_notification'))
    )
    with op.batch_alter_table('crm_notification', schema=None) as batch_op:
        batch_op.create_index('ix_crm_notification_user_read', ['username', 'read_at'], unique=False)

    op.create_table('crm_user',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=128), nullable=False),
    sa.Column('email', sa.String(length=256), nullable=True),
    sa.Column('region', sa.String(length=64), nullable=True),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_crm_user'))
    )
    op.create_table('crm_assignment_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_key', sa.String(length=64), nullable=False),
    sa.Column('region', sa.String(length=64), nullable=True),
    sa.Column('industry', sa.String(length=64), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['group_key'], ['crm_group.key'], name=op.f('fk_crm_assignment_rule_group_key_crm_group')),
    sa.ForeignKeyConstraint(['username'], ['crm_user.username'], name=op.f('fk_crm_assignment_rule_username_crm_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_assignment_rule'))
    )
    with op.batch_alter_table('crm_assignment_rule', schema=None) as batch_op:
        batch_op.create_index('ix_crm_assignment_rule_group', ['group_key'], unique=False)

    op.create_table('crm_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('email', sa.String(length=256), nullable=True),
    sa.Column('phone', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['crm_customer.id'], name=op.f('fk_crm_contact_customer_id_crm_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_contact'))
    )
    with op.batch_alter_table('crm_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_contact_customer_id'), ['customer_id'], unique=False)

    op.create_table('crm_membership',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('group_key', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['group_key'], ['crm_group.key'], name=op.f('fk_crm_membership_group_key_crm_group')),
    sa.ForeignKeyConstraint(['username'], ['crm_user.username'], name=op.f('fk_crm_membership_username_crm_user')),
    sa.PrimaryKeyConstraint('username', 'group_key', name=op.f('pk_crm_membership'))
    )
    op.create_table('crm_opportunity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('stage', sa.String(length=24), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('probability', sa.Integer(), nullable=False),
    sa.Column('expected_close', sa.String(length=10), nullable=True),
    sa.Column('owner', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['crm_customer.id'], name=op.f('fk_crm_opportunity_customer_id_crm_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_opportunity'))
    )
    with op.batch_alter_table('crm_opportunity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_opportunity_customer_id'), ['customer_id'], unique=False)

    op.create_table('crm_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('hold_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['crm_customer.id'], name=op.f('fk_crm_order_customer_id_crm_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_order'))
    )
    with op.batch_alter_table('crm_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_order_customer_id'), ['customer_id'], unique=False)

    op.create_table('crm_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['crm_customer.id'], name=op.f('fk_crm_payment_customer_id_crm_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_payment'))
    )
    with op.batch_alter_table('crm_payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_payment_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_payment_order_id'), ['order_id'], unique=False)

    op.create_table('crm_quote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('approved_revision', sa.Integer(), nullable=True),
    sa.Column('approved_by', sa.String(length=64), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['crm_customer.id'], name=op.f('fk_crm_quote_customer_id_crm_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_quote'))
    )
    with op.batch_alter_table('crm_quote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_quote_customer_id'), ['customer_id'], unique=False)

    op.create_table('crm_quote_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['quote_id'], ['crm_quote.id'], name=op.f('fk_crm_quote_revision_quote_id_crm_quote')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_quote_revision'))
    )
    with op.batch_alter_table('crm_quote_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_quote_revision_quote_id'), ['quote_id'], unique=False)


def downgrade() -> None:

    with op.batch_alter_table('crm_quote_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_quote_revision_quote_id'))

    op.drop_table('crm_quote_revision')
    with op.batch_alter_table('crm_quote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_quote_customer_id'))

    op.drop_table('crm_quote')
    with op.batch_alter_table('crm_payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_payment_order_id'))
        batch_op.drop_index(batch_op.f('ix_crm_payment_customer_id'))

    op.drop_table('crm_payment')
    with op.batch_alter_table('crm_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_order_customer_id'))

    op.drop_table('crm_order')
    with op.batch_alter_table('crm_opportunity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_opportunity_customer_id'))

    op.drop_table('crm_opportunity')
    op.drop_table('crm_membership')
    with op.batch_alter_table('crm_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_contact_customer_id'))

    op.drop_table('crm_contact')
    with op.batch_alter_table('crm_assignment_rule', schema=None) as batch_op:
        batch_op.drop_index('ix_crm_assignment_rule_group')

    op.drop_table('crm_assignment_rule')
    op.drop_table('crm_user')
    with op.batch_alter_table('crm_notification', schema=None) as batch_op:
        batch_op.drop_index('ix_crm_notification_user_read')

    op.drop_table('crm_notification')
    with op.batch_alter_table('crm_lead', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_lead_phone'))
        batch_op.drop_index(batch_op.f('ix_crm_lead_email'))

    op.drop_table('crm_lead')
    op.drop_table('crm_group')
    with op.batch_alter_table('crm_customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_customer_name'))

    op.drop_table('crm_customer')
    with op.batch_alter_table('crm_complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_complaint_customer_id'))

    op.drop_table('crm_complaint')

