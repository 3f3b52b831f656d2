from django import forms

from suyuan.core.widgets import FastSelect


class Pick(forms.Form):
    slow = forms.ChoiceField(
        choices=[("", "Any"), ("Group <1>", [("1", "One & only"), ("2", "Two")]), ("3", "3")]
    )
    fast = forms.ChoiceField(
        choices=[("", "Any"), ("Group <1>", [("1", "One & only"), ("2", "Two")]), ("3", "3")],
        widget=FastSelect(attrs={"data-testid": "x"}),
    )
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], widget=FastSelect())


def _squash(html: str) -> str:
    return "".join(line.strip() for line in html.splitlines())


def test_fast_select_writes_the_same_markup_as_django():
    form = Pick(data={"slow": "2", "fast": "2", "many": ["a", "b"]})
    slow = _squash(str(form["slow"]))
    fast = _squash(str(form["fast"]))
    # The options are written exactly alike; the opening tag has the same attributes.
    assert fast.partition(">")[2] == slow.partition(">")[2]
    assert fast.startswith("<select ")
    for attribute in ('name="fast"', 'id="id_fast"', 'data-testid="x"', " required"):
        assert attribute in fast.partition(">")[0]
    assert '<optgroup label="Group &lt;1&gt;">' in fast
    assert '<option value="2" selected>Two</option>' in fast
    assert "One &amp; only" in fast


def test_fast_select_handles_several_selected_values():
    widget = FastSelect()
    widget.allow_multiple_selected = True
    widget.choices = [("a", "A"), ("b", "B")]
    html = widget.render("many", ["a", "b"])
    assert html.count(" selected") == 2
    assert "multiple" in html
