"""The web forms (Flask-WTF: every POST form carries the CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DecimalField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from inventory.requisitions.service import MAX_QTY

try:  # WTForms >= 3.3 wants SelectChoice objects; older versions take (value, label) pairs
    from wtforms import SelectChoice

    def choice(value, label):
        return SelectChoice(value, label)
except ImportError:  # pragma: no cover
    def choice(value, label):
        return (value, label)

MAX_RECEIPT = 1_000_000
MAX_COUNT = 10_000_000


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})  # password managers fill it


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""


def unshown_errors(posted: dict, forms: dict) -> dict[str, str]:
    """Errors of forms posted as `{(row, action): form}` that a list page no longer shows as
    `forms[row][action]` (another click, or another clerk, got there first), by row, on one line:
    the page says them above its lists instead of losing them."""
    return {row: " ".join(str(message) for field in form for message in field.errors)
            for (row, action), form in posted.items() if forms.get(row, {}).get(action) is not form}


def _sku():
    return StringField(_l("SKU"), validators=[DataRequired(), Length(max=40)],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v])


class ReceiveForm(FlaskForm):
    sku = _sku()
    qty = IntegerField(_l("Quantity"), validators=[InputRequired(), NumberRange(min=1, max=MAX_RECEIPT)])
    reference = StringField(_l("Delivery note"), validators=[Optional(), Length(max=64)])
    reason = StringField(_l("Remark"), validators=[Optional(), Length(max=150)])


class CountForm(FlaskForm):
    sku = _sku()
    counted = IntegerField(_l("Counted quantity"), validators=[InputRequired(), NumberRange(min=0, max=MAX_COUNT)])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])


class TransferReceiveForm(FlaskForm):
    qty = IntegerField(_l("Quantity received"), validators=[InputRequired(), NumberRange(min=1, max=MAX_COUNT)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class TransferCloseForm(FlaskForm):
    note = StringField(_l("Why the rest is missing"), validators=[DataRequired(), Length(max=150)])


class TransferDraftForm(FlaskForm):
    from_warehouse = SelectField(_l("From"), validators=[DataRequired()])
    to_warehouse = SelectField(_l("To"), validators=[DataRequired()])
    sku = _sku()
    qty = IntegerField(_l("Quantity"), validators=[InputRequired(), NumberRange(min=1, max=MAX_QTY)])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])


class RejectForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])


class RaiseLimitForm(FlaskForm):
    new_limit = DecimalField(_l("New monthly limit (RMB)"), places=2,
                             validators=[InputRequired(), NumberRange(min=0)])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])


class ExtensionForm(FlaskForm):
    amount = DecimalField(_l("Extension this month (RMB)"), places=2,
                          validators=[InputRequired(), NumberRange(min=0)])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])


class PolicyForm(FlaskForm):
    value = TextAreaField(_l("Value"), validators=[DataRequired(), Length(max=4000)])


IMPORT_KINDS = {
    "parts": _l("Parts (master data)"),
    "service_points": _l("Service points (master data)"),
    "stock_counts": _l("Stock counts"),
    "list_prices": _l("Customer price list (list price per part)"),
    "bins": _l("Bin locations (warehouse, sku, bin)"),
    "supersessions": _l("Replaced part numbers (old sku, new sku, two-way)"),
}


def _spreadsheet():
    return FileField(_l("File (CSV or XLSX)"), validators=[
        FileRequired(), FileAllowed(["csv", "xlsx"], _l("Only .csv and .xlsx files can be imported."))])


class ImportForm(FlaskForm):
    kind = SelectField(_l("What the file holds"), choices=[choice(k, label) for k, label in IMPORT_KINDS.items()], validators=[DataRequired()])
    file = _spreadsheet()


class BinForm(FlaskForm):
    """A clerk sets (or, left empty, clears) one sku's bin at their warehouse."""

    sku = _sku()
    bin = StringField(_l("Bin"), validators=[Optional(), Regexp(r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$", message=_l(
        "a bin code is 1-20 letters, digits or '-'"))], filters=[lambda v: v.strip() if isinstance(v, str) else v])


class BinImportForm(FlaskForm):
    """A clerk's bin import: the rows are bins of their warehouse."""

    file = _spreadsheet()


class CountImportForm(FlaskForm):
    """A clerk's import: it can only hold stock counts of their warehouse."""

    file = _spreadsheet()
