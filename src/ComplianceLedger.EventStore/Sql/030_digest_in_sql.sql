-- The event digest of docs/ledger-format.md, computed by the database from a stored row, byte
-- for byte what ChainHash.Digest computes in C#. Nothing calls these yet: they are what a
-- trigger on the events table needs to chain every event itself, whoever inserts it.
--   ledger.canonical_json(jsonb)   the canonical JSON text (refuses what cannot be hashed: LDG04)
--   ledger.event_digest(…)         SHA-256 over the length-prefixed fields
--   ledger.link_hash(…)            SHA-256(prev ‖ be64 position ‖ be64 stream version ‖ digest)

-- Sorting members with COLLATE "C" and taking octet_length as the UTF-8 length are right only in
-- a UTF-8 database (every cluster the ledger makes is one: initdb -E UTF8).
DO $$
BEGIN
    IF getdatabaseencoding() <> 'UTF8' THEN
        RAISE EXCEPTION 'the ledger needs a UTF8 database; % is %', current_database(), getdatabaseencoding();
    END IF;
END $$;

-- Raises LDG04, the code for data the ledger cannot hash faithfully. Returns text so that it can
-- stand in an expression's refusing branch; VOLATILE so that the planner never folds it early.
CREATE FUNCTION ledger.refuse_unhashable(p_message text) RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL SAFE AS $$
BEGIN
    RAISE EXCEPTION '%', p_message USING ERRCODE = 'LDG04',
        HINT = 'Carry decimals, money and large identifiers as strings.';
END $$;

-- A jsonb number as canonical JSON writes it: a whole number in the signed 64-bit range. jsonb
-- keeps a number's scale, so 1.0 (refused in C#) is refused here; -0 is already 0 in jsonb.
CREATE FUNCTION ledger.canonical_number(p_number jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN scale(p_number::numeric) = 0
                 AND p_number::numeric BETWEEN -9223372036854775808 AND 9223372036854775807
                THEN p_number::numeric::text
                ELSE ledger.refuse_unhashable(format(
                    'The number %s is not a whole number in the 64-bit range; carry other numbers as strings.', p_number))
           END
$$;

-- docs/ledger-format.md, "Canonical JSON". Scalars: jsonb's own text (PostgreSQL's escape_json
-- writes exactly the canonical escapes: \" \\ \b \f \n \r \t, other controls as lower-case
-- \u00xx, / and non-ASCII as they are). Members sorted by their UTF-8 bytes (COLLATE "C"; jsonb
-- itself orders keys by length first). Nesting deeper than 32 is refused, as in C#. Recursive
-- plpgsql: faster here than a recursive SQL function (docs/decisions.md has the figures).
CREATE FUNCTION ledger.canonical_json(p_value jsonb, p_depth int) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    CASE jsonb_typeof(p_value)
    WHEN 'object' THEN
        IF p_depth > 32 THEN
            PERFORM ledger.refuse_unhashable('The data nests deeper than 32 levels.');
        END IF;
        RETURN '{' || coalesce((
            SELECT string_agg(to_jsonb(k)::text || ':' ||
                       CASE jsonb_typeof(v)
                       WHEN 'string' THEN v::text WHEN 'boolean' THEN v::text WHEN 'null' THEN 'null'
                       WHEN 'number' THEN ledger.canonical_number(v)
                       ELSE ledger.canonical_json(v, p_depth + 1) END,
                       ',' ORDER BY k COLLATE "C")
              FROM jsonb_each(p_value) AS m(k, v)), '') || '}';
    WHEN 'array' THEN
        IF p_depth > 32 THEN
            PERFORM ledger.refuse_unhashable('The data nests deeper than 32 levels.');
        END IF;
        RETURN '[' || coalesce((
            SELECT string_agg(
                       CASE jsonb_typeof(v)
                       WHEN 'string' THEN v::text WHEN 'boolean' THEN v::text WHEN 'null' THEN 'null'
                       WHEN 'number' THEN ledger.canonical_number(v)
                       ELSE ledger.canonical_json(v, p_depth + 1) END,
                       ',' ORDER BY i)
              FROM jsonb_array_elements(p_value) WITH ORDINALITY AS a(v, i)), '') || ']';
    WHEN 'number' THEN
        RETURN ledger.canonical_number(p_value);
    ELSE
        RETURN p_value::text;
    END CASE;
END $$;

CREATE FUNCTION ledger.canonical_json(p_value jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ledger.canonical_json(p_value, 1)
$$;

-- field(s) = be32(byte length) ‖ UTF-8 bytes; the database is UTF-8 (checked above).
CREATE FUNCTION ledger.hash_field(p_text text) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT int4send(octet_length(p_text)) || convert_to(p_text, 'UTF8')
$$;

-- The digest of docs/ledger-format.md. NULL correlation, causation and command ids hash as the
-- empty string; recorded_at is written in UTC whatever the session's TimeZone (to_char of a
-- timestamp without time zone reads no setting). STABLE, not IMMUTABLE, only because
-- convert_to and to_char are.
CREATE FUNCTION ledger.event_digest(
    p_tenant         text,
    p_stream_id      text,
    p_event_id       uuid,
    p_event_type     text,
    p_data           jsonb,
    p_actor          text,
    p_correlation_id text,
    p_causation_id   text,
    p_command_id     text,
    p_recorded_at    timestamptz)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sha256(
           ledger.hash_field('compliance-ledger/event/v1')
        || ledger.hash_field(p_tenant)
        || ledger.hash_field(p_stream_id)
        || ledger.hash_field(p_event_id::text)
        || ledger.hash_field(p_event_type)
        || ledger.hash_field(ledger.canonical_json(p_data))
        || ledger.hash_field(p_actor)
        || ledger.hash_field(coalesce(p_correlation_id, ''))
        || ledger.hash_field(coalesce(p_causation_id, ''))
        || ledger.hash_field(coalesce(p_command_id, ''))
        || ledger.hash_field(to_char(p_recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')))
$$;

-- hash(p) = SHA-256(hash(p-1) ‖ be64(p) ‖ be64(stream_version) ‖ digest), as ledger.append_events.
CREATE FUNCTION ledger.link_hash(p_prev bytea, p_chain_position bigint, p_stream_version bigint, p_digest bytea)
RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sha256(p_prev || int8send(p_chain_position) || int8send(p_stream_version) || p_digest)
$$;
