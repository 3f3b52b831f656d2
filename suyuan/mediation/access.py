"""Who may see mediation data: exactly who may see the matter (``matters.access``), nobody else.

Views and the API reach sessions, agreements and obligations only through ``selectors`` after the matter
itself came through ``matters.access``; the protected-reads test keeps them from reading these models
directly.
"""

PROTECTED_MODELS = (
    "MediationSession",
    "Agreement",
    "Obligation",
    "AgreementConfirmation",
    "ObligationReminder",
    "FollowUp",
    "MediationExtension",
)
