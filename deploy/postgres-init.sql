-- Temporal's auto-setup creates its own databases; nothing else is needed for kuaichu, whose
-- schema is created by the API on first start (Alembic upgrade head).
SELECT 1;
