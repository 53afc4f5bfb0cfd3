-- View record_keys: each course's record key (README, "Small numbers"; ipsdash/figures/privacy.py), a whole
-- number 0-255: the first byte of HMAC-SHA256(installation secret, participant_id), RFC 2104 with
-- the secret's padded inner and outer keys from the one-row table record_key_secret (made by
-- ipsdash/extract/data.py from the configured secret; never a literal in SQL text).
-- A count's cell key is the sum of its courses' record keys modulo 256.
create or replace view record_keys as
select
    participants.participant_id as participant_id,
    cast(
        '0x' || left(
            sha256(record_key_secret.opad || unhex(sha256(record_key_secret.ipad || encode(participants.participant_id)))),
            2
        ) as integer
    ) as record_key
from participants
cross join record_key_secret
