"""The published definitions of the figures: what each counts, when, and from which events.

The figures page shows a figure's definition next to it, and ``/staff/figures/definitions/`` lists them
all; the numbers are computed in ``selectors.py`` exactly as written here (tests hold them to it).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Definition:
    key: str
    name: Promise
    counts: Promise  # what is counted
    when: Promise  # which month a matter counts in
    source: Promise  # the events it comes from


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "received",
        _("Matters received"),
        _(
            "Every matter that came in through any channel, by channel, kind and category (its category "
            "as it stands now: a correction moves the matter to its new category)."
        ),
        _("The month it was received (Beijing time)."),
        _("The “received” event."),
    ),
    Definition(
        "funnel",
        _("Where matters ended (the funnel)"),
        _(
            "Matters that ended, by the stage they ended at: consultation (a question answered), mediation "
            "(an agreement), an authority (a request or petition answered, or the administrative route "
            "after mediation), arbitration (the route named after a failed mediation), court (the court's "
            "case ended: settled in pre-filing mediation, judged, withdrawn), or other (declined, "
            "withdrawn, merged as a duplicate, guidance only)."
        ),
        _(
            "The month it ended: the first of agreement, failure with its route, decline, withdrawal, merge, "
            "closure, or the end of the court case."
        ),
        _(
            "The events “agreement recorded”, “mediation failed” (its route), “declined”, “withdrawn”, "
            "“merged”, “closed”, “settled in pre-filing mediation”, “court case closed”, “court case "
            "withdrawn”."
        ),
    ),
    Definition(
        "mediation_success",
        _("Mediation success rate"),
        _("Agreements recorded divided by mediations that ended (agreements plus failures)."),
        _("The month the mediation ended."),
        _("The events “agreement recorded” and “mediation failed”."),
    ),
    Definition(
        "days",
        _("Days to conclusion (median, 90th percentile)"),
        _(
            "Calendar days from receipt to the end, over the matters that ended at a stage other than "
            "“other” (declined, withdrawn and merged matters are left out)."
        ),
        _("The month it ended."),
        _("The “received” event and the event that ended it."),
    ),
    Definition(
        "overdue",
        _("Overdue rate"),
        _(
            "Of the matters that ended, the share that missed a stage's deadline on the way (an automatic "
            "supervision order was raised for them)."
        ),
        _("The month it ended."),
        _("The events “supervision order issued” raised automatically, and the end."),
    ),
    Definition(
        "agreements_honoured",
        _("Agreements honoured"),
        _(
            "Of the effective agreements whose performance is known, the share whose every obligation was "
            "performed; an obligation reported as not performed makes the agreement broken."
        ),
        _("The month the last obligation was performed, or the first was reported not performed."),
        _(
            "The events “agreement confirmed by all parties”, “obligation performed”, “obligation not "
            "performed”."
        ),
    ),
    Definition(
        "returned",
        _("Came back within 180 days"),
        _(
            "New matters whose applicant (the same mobile number or ID number, compared as keyed hashes) "
            "had another matter that ended in the 180 days before; as a share of the matters received."
        ),
        _("The month the new matter was received."),
        _("The parties of the matters and the end of the earlier one."),
    ),
    Definition(
        "court_filed",
        _("Court filings"),
        _(
            "Cases filed by a court for matters of the platform; per 10,000 residents where the "
            "population is entered, and against the same months a year earlier (诉讼增量)."
        ),
        _("The month the case was filed."),
        _("The event “case filed”."),
    ),
    Definition(
        "satisfaction",
        _("Satisfaction"),
        _(
            "The mean of the scores (1 to 5) the applicants gave the handling of their matters, and how many "
            "gave one."
        ),
        _("The month of the rating."),
        _("The event “handling rated”."),
    ),
    Definition(
        "mediators",
        _("Active mediators"),
        _(
            "Different people who took a mediation step on a matter of the place in the period (started a "
            "mediation, scheduled or held a session, extended it, recorded an agreement or a failure, or "
            "did the same in a court's pre-filing mediation); next to them, the people who hold a mediator "
            "role in an organisation of the place today (registered). Kept by county and township, so a "
            "village shows the registered only. People are counted, never named or ranked."
        ),
        _("Each month a step was taken; a person active in several months counts once."),
        _(
            "The events “mediation started”, “session scheduled”, “session held”, “mediation period "
            "extended”, “agreement recorded”, “mediation failed”, and the court's pre-filing mediation."
        ),
    ),
    Definition(
        "citizens",
        _("Citizens who used their account"),
        _(
            "Different people who did something on a matter of the place with their own account as one of "
            "its parties: filed it, wrote a message, added a document, withdrew it, rated it, answered as "
            "the other side, confirmed an agreement, applied for or joined a judicial confirmation, filed "
            "a complaint, or took part in a written round. Staff acting for a party do not count."
        ),
        _("Each month a party acted; a person active in several months counts once."),
        _("Those events, when their author is an account linked to one of the matter's parties."),
    ),
)

BY_KEY = {definition.key: definition for definition in DEFINITIONS}
