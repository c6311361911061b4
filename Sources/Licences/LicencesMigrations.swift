import CityStore

/// The Licences module's tables. Private keys are stored only sealed under the key-encryption key
/// (`KeyVault`); the licence library is keyed by division so it can be distributed.
public enum LicencesMigrations {
    public static let all: [Migration] = [
        Migration(module: "licences", number: 1, name: "root authority, seals, licence types, licences, serials", statements: [
            // The city root certification authority: one row per root; `active` names the one that
            // issues new seal certificates (older roots stay for verifying what they issued).
            """
            CREATE TABLE licence_authorities (
                id TEXT PRIMARY KEY,
                algorithm TEXT NOT NULL,
                certificate {bytes} NOT NULL,
                sealed_key TEXT NOT NULL,
                kek_check TEXT NOT NULL,
                active {bool} NOT NULL,
                created_at {timestamp} NOT NULL
            )
            """,
            """
            CREATE TABLE seals (
                id TEXT PRIMARY KEY,
                organisation_code TEXT NOT NULL,
                organisation_name TEXT NOT NULL,
                credit_code TEXT NOT NULL,
                algorithm TEXT NOT NULL,
                serial TEXT NOT NULL UNIQUE,
                certificate {bytes} NOT NULL,
                sealed_key TEXT NOT NULL,
                kek_check TEXT NOT NULL,
                not_before {timestamp} NOT NULL,
                not_after {timestamp} NOT NULL,
                state TEXT NOT NULL,
                revoked_at {timestamp},
                revoke_reason TEXT,
                created_by TEXT NOT NULL,
                created_at {timestamp} NOT NULL
            )
            """,
            "CREATE INDEX seals_organisation ON seals (organisation_code, algorithm, state)",
            // A licence type: its fields (JSON), the holder kinds it takes, the organisation allowed
            // to issue it, and the national type code (the defining body's credit code + 3 digits).
            """
            CREATE TABLE licence_types (
                code TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                name_en TEXT NOT NULL,
                short_code TEXT NOT NULL,
                type_code TEXT NOT NULL,
                issuer_code TEXT NOT NULL,
                holder_kinds TEXT NOT NULL,
                fields TEXT NOT NULL,
                valid_years INTEGER,
                created_at {timestamp} NOT NULL
            )
            """,
            // The next serial per issuer, type and year, taken in the issuing transaction.
            """
            CREATE TABLE licence_serials (
                issuer_code TEXT NOT NULL,
                type TEXT NOT NULL,
                year INTEGER NOT NULL,
                last INTEGER NOT NULL,
                PRIMARY KEY (issuer_code, type, year)
            )
            """,
            // The licence library. `jws` is exactly what was sealed and handed out; `status_index`
            // numbers licences for nothing but ordering the status list.
            """
            CREATE TABLE licences (
                division_code TEXT NOT NULL,
                id TEXT {codepoint} NOT NULL,
                number TEXT NOT NULL,
                type TEXT NOT NULL,
                issuer_code TEXT NOT NULL,
                holder_kind TEXT NOT NULL,
                holder_id TEXT NOT NULL,
                holder_name TEXT NOT NULL,
                fields TEXT NOT NULL,
                valid_from {timestamp} NOT NULL,
                valid_until {timestamp},
                seal_id TEXT NOT NULL,
                jws TEXT NOT NULL,
                status TEXT NOT NULL,
                status_reason TEXT,
                status_at {timestamp},
                issued_by TEXT NOT NULL,
                issued_at {timestamp} NOT NULL,
                PRIMARY KEY (division_code, id)
            )
            """,
            // Not UNIQUE: a distributed table's unique index must hold the division code. The
            // identifier is unique by construction (its serial comes from licence_serials).
            "CREATE INDEX licences_id ON licences (id)",
            "CREATE INDEX licences_number ON licences (number)",
            "CREATE INDEX licences_holder ON licences (holder_id)",
            "CREATE INDEX licences_status ON licences (status) WHERE status <> 'valid'",
        ]),
        Migration(module: "licences", number: 2, name: "the SM2 seal maker; GB/T 38540 signatures of SM2 licences", statements: [
            // `root` rows certify seals; the `maker` row (SM2, certified by the root) signs the
            // GB/T 38540 SESeal structures, which only SM2 with SM3 may sign.
            "ALTER TABLE licence_authorities ADD COLUMN role TEXT NOT NULL DEFAULT 'root'",
            // The SES_Signature (DER) written when an SM2 licence is sealed, as stored then.
            "ALTER TABLE licences ADD COLUMN ses_signature {bytes}",
        ]),
    ]
}
