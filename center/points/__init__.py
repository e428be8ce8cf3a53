"""The center's volunteer points: the API routes (:mod:`.api`), the staff commands
(:mod:`.cli`) and the ledger file they share (:mod:`.store`)."""
