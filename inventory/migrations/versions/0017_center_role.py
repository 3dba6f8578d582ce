"""center role: a provincial service centre signs in to read its own tickets, fines and rates

The role CHECK of `web_user` gains `center`, and a centre user names its centre
(`center_code`, required for that role and only for it). API keys gain the role too (a centre's
key carries its code, as a dealer's or a point's does).

Revision ID: 0017_center_role
Revises: 0003
Create Date: 2026-12-16 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0017_center_role'
down_revision = '0003'
branch_labels = None
depends_on = None

OLD_ROLES = "role in ('clerk', 'hq')"
NEW_ROLES = "role in ('clerk', 'hq', 'center')"
CENTER_CHECK = "(role = 'center') = (center_code IS NOT NULL)"
OLD_KEY_ROLES = "role in ('dealer', 'service_point', 'call_center', 'hq')"
NEW_KEY_ROLES = "role in ('dealer', 'service_point', 'call_center', 'hq', 'center')"


def upgrade() -> None:
    # Batch mode: SQLite cannot alter a CHECK or add a foreign key in place, so Alembic copies
    # the table there (its other constraints are reflected and kept); PostgreSQL alters it.
    with op.batch_alter_table('web_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('center_code', sa.String(length=16), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_web_user_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_web_user_role'), NEW_ROLES)
        batch_op.create_check_constraint(batch_op.f('ck_web_user_center'), CENTER_CHECK)
        batch_op.create_foreign_key(batch_op.f('fk_web_user_center_code_center'), 'center',
                                    ['center_code'], ['code'])
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_api_key_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_api_key_role'), NEW_KEY_ROLES)


def downgrade() -> None:
    # Centre users and keys cannot exist under the old CHECKs: they go with the role.
    op.execute(sa.text("DELETE FROM web_user WHERE role = 'center'"))
    op.execute(sa.text("DELETE FROM api_key WHERE role = 'center'"))
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_api_key_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_api_key_role'), OLD_KEY_ROLES)
    with op.batch_alter_table('web_user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_web_user_center_code_center'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('ck_web_user_center'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_web_user_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_web_user_role'), OLD_ROLES)
        batch_op.drop_column('center_code')
