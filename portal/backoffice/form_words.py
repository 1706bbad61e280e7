"""A form definition in words for the back office's form editor: field types, conditions, rules,
where a problem is, and how far each language's translation is. Plain strings: templates escape."""
from __future__ import annotations

import re
from typing import Mapping

from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l

from portal.config import LANGUAGES
from portal.forms.authoring import editing
from portal.forms.definitions.rules import TODAY
from portal.forms.definitions.texts import SOURCE, is_outdated

KIND_LABELS = {
    "text": _l("Text (one line)"), "textarea": _l("Text (several lines)"), "email": _l("E-mail address"),
    "tel": _l("Phone number"), "date": _l("Date"), "birth_date": _l("Date of birth (parts may be unknown)"),
    "country": _l("Country"), "nationality": _l("Nationality"), "number": _l("Whole number"),
    "postcode": _l("Postcode"), "passport": _l("Passport number"), "choice": _l("One choice of several"),
    "yes_no": _l("Yes or no"), "checkboxes": _l("Several choices (checkboxes)"),
    "checkbox": _l("Confirmation (one checkbox)"),
}
OPERATOR_LABELS = {
    "equals": _l("is"), "not_equals": _l("is not"), "filled": _l("is filled in"), "not_filled": _l("is empty"),
    "contains": _l("includes"), "on_or_after": _l("is on or after (YYYY-MM-DD)"),
    "before": _l("is before (YYYY-MM-DD)"),
}
RULE_LABELS = {
    "required_if": _l("Required if"), "date_after": _l("Date after"), "date_on_or_after": _l("Date on or after"),
    "date_before": _l("Date before"), "date_on_or_before": _l("Date on or before"),
    "max_days_between": _l("At most so many days after"), "number_range": _l("Number range"),
    "pattern": _l("Pattern"),
}
PATTERN_LABELS = {"letters": _l("Letters, spaces, hyphens, apostrophes"), "digits": _l("Digits only"),
                  "iban": _l("IBAN"), "file_number": _l("File number of the office")}
DISPLAY_LABELS = {"radio": _l("Radio buttons"), "select": _l("Drop-down list")}
AUTOCOMPLETE_LABELS = {
    "name": _l("Full name"), "family-name": _l("Surname"), "given-name": _l("Given names"),
    "email": _l("E-mail address"), "tel": _l("Phone number"), "street-address": _l("Street and number"),
    "postal-code": _l("Postcode"), "address-level2": _l("Town"), "country-name": _l("Country"),
}
_PART = re.compile(r"(steps|fields|documents|choices|rules)\[(\d+)\]")


def german(text: object) -> str:
    return str(text.get(SOURCE) or "") if isinstance(text, Mapping) else ""


def quoted(text: object) -> str:
    return _("“%(text)s”", text=text)


def _labels(definition: Mapping) -> dict[str, Mapping]:
    return {str(field.get("name")): field for _s, _p, field in editing.fields_in_order(definition)}


def _value_words(field: Mapping | None, value: object) -> str:
    for choice in (field or {}).get("choices") or []:
        if isinstance(choice, Mapping) and choice.get("value") == value:
            return quoted(german(choice.get("label")) or value)
    return quoted(value)


def condition_words(definition: Mapping, condition: object) -> str:
    """The condition as a sentence part ("" for none): „Familienstand“ is „verheiratet“ and ..."""
    if not condition:
        return ""
    if not isinstance(condition, Mapping):
        return _("(unreadable condition)")
    for combinator, joiner in (("all", _(" and ")), ("any", _(" or "))):
        if set(condition) == {combinator} and isinstance(condition[combinator], list):
            return joiner.join(f"({condition_words(definition, part)})"
                               if isinstance(part, Mapping) and set(part) & {"all", "any"}
                               else condition_words(definition, part) for part in condition[combinator])
    if set(condition) == {"not"}:
        return _("not (%(condition)s)", condition=condition_words(definition, condition["not"]))
    fields = _labels(definition)
    name = str(condition.get("field"))
    field = fields.get(name)
    label = quoted(german(field.get("label")) or name) if field else quoted(name)
    operators = set(condition) - {"field"}
    if len(operators) != 1:
        return _("(unreadable condition)")
    (operator,) = operators
    operand = condition[operator]
    if operator == "filled":
        return f"{label} {OPERATOR_LABELS['filled' if operand else 'not_filled']}"
    if operator == "in" and isinstance(operand, list):
        return _("%(field)s is one of %(values)s", field=label,
                 values=", ".join(_value_words(field, value) for value in operand))
    words = {"on_or_after": _("is on or after"), "before": _("is before")}.get(operator) or OPERATOR_LABELS.get(
        operator, operator)
    return f"{label} {words} {_value_words(field, operand)}"


def rule_words(definition: Mapping, rule: object) -> str:
    if not isinstance(rule, Mapping):
        return _("(unreadable rule)")
    kind = rule.get("kind")
    label = str(RULE_LABELS.get(kind, kind))
    fields = _labels(definition)

    def named(name: object) -> str:
        field = fields.get(str(name))
        return quoted(german(field.get("label")) or name) if field else quoted(name)

    if kind == "required_if":
        words = f"{label}: {condition_words(definition, rule.get('when'))}"
        if rule.get("field"):
            words += " " + _("(then %(field)s must be filled in)", field=named(rule["field"]))
    elif kind in ("date_after", "date_on_or_after", "date_before", "date_on_or_before"):
        words = f"{label} {_('today') if rule.get('other') == TODAY else named(rule.get('other'))}"
    elif kind == "max_days_between":
        days = rule.get("days") if isinstance(rule.get("days"), int) else 0
        words = ngettext("At most %(num)s day after %(field)s", "At most %(num)s days after %(field)s", days,
                         field=named(rule.get("from")))
    elif kind == "number_range":
        words = _("Number from %(min)s to %(max)s", min=rule.get("min", "…"), max=rule.get("max", "…"))
    elif kind == "pattern":
        words = f"{label}: {PATTERN_LABELS.get(rule.get('pattern'), rule.get('pattern'))}"
    else:
        words = label
    message = german(rule.get("message"))
    return _("%(rule)s – message: %(message)s", rule=words, message=quoted(message)) if message else words


def where_words(definition: Mapping, where: str) -> str:
    """A problem's path ("steps[1].fields[0].label.en") with keys and names for the indexes."""
    steps = editing.steps_of(definition)
    context: dict[str, object] = {}

    def name(match: re.Match) -> str:
        part, index = match.group(1), int(match.group(2))
        try:
            if part == "steps":
                item = context["step"] = steps[index]
                return _("step “%(name)s”", name=item.get("key"))
            if part == "fields":
                item = context["field"] = context["step"]["fields"][index]
                return _("field “%(name)s”", name=item.get("name"))
            if part == "documents":
                return _("document “%(name)s”", name=editing.slots_of(definition)[index].get("key"))
            if part == "choices":
                return _("choice “%(name)s”", name=context["field"]["choices"][index].get("value"))
            return _("rule %(number)s", number=index + 1)
        except (KeyError, IndexError, TypeError, AttributeError):
            return match.group(0)

    return _PART.sub(name, where).replace(".", " › ")


def link_of(definition: Mapping, where: str) -> tuple[str, dict]:
    """The editor's page (endpoint, arguments besides code and number) of a problem's place."""
    steps, slots = editing.steps_of(definition), editing.slots_of(definition)
    try:
        found = re.match(r"steps\[(\d+)\](?:\.fields\[(\d+)\])?", where)
        if found and found.group(2):
            return "backoffice.form_field", {
                "name": steps[int(found.group(1))]["fields"][int(found.group(2))]["name"]}
        if found:
            return "backoffice.form_step", {"key": steps[int(found.group(1))]["key"]}
        found = re.match(r"documents\[(\d+)\]", where)
        if found:
            return "backoffice.form_slot", {"key": slots[int(found.group(1))]["key"]}
    except (KeyError, IndexError, TypeError):
        pass
    return "backoffice.form_service", {}


def _entries(items: object) -> list:
    return [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) else []


def _texts(definition: Mapping):
    """(text, translated?) of every text of the definition: translated ones are those an applicant
    must read (check.py asks for their translations); hints and intros fall back to German."""
    service = definition.get("service") if isinstance(definition.get("service"), Mapping) else {}
    yield service.get("title"), True
    yield service.get("summary"), False
    yield service.get("audience"), False
    yield definition.get("declaration"), True
    for step in _entries(editing.steps_of(definition)):
        yield step.get("title"), True
        yield step.get("intro"), False
        for field in _entries(step.get("fields")):
            yield field.get("label"), True
            yield field.get("hint"), False
            for choice in _entries(field.get("choices")):
                yield choice.get("label"), True
            for rule in _entries(field.get("rules")):
                yield rule.get("message"), True
    for slot in _entries(editing.slots_of(definition)):
        yield slot.get("label"), True
        yield slot.get("hint"), False


def translation_counts(definition: Mapping) -> dict[str, dict[str, int]]:
    """language → {"missing": texts an applicant must read without a translation, "outdated":
    translations made from another German text}."""
    counts = {language: {"missing": 0, "outdated": 0} for language in LANGUAGES if language != SOURCE}
    for text, translated in _texts(definition):
        if not isinstance(text, Mapping) or not text.get(SOURCE):
            continue
        for language, count in counts.items():
            if not text.get(language):
                count["missing"] += int(translated)
            elif is_outdated(text, language):
                count["outdated"] += 1
    return counts
