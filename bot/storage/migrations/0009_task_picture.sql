-- A request may start from a picture (a photo edit, an image-to-video, Animate on a result).
-- The picture is kept as Telegram knows it (a file id, uploaded to Kie at submit; Kie keeps
-- uploads 3 days, so a later "Again" uploads it anew) and/or as a URL Kie can read (a
-- result of Kie's own, kept there 14 days).
ALTER TABLE tasks ADD COLUMN input_file_id TEXT;
ALTER TABLE tasks ADD COLUMN input_url TEXT;
