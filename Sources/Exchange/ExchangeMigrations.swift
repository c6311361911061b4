import CityStore

/// The Exchange module's tables. A dataset's rows are keyed by resource and row key, and carry the
/// division they belong to, so a consumer reads within its scope.
public enum ExchangeMigrations {
    public static let all: [Migration] = [
        Migration(module: "exchange", number: 1, name: "catalogue, dataset rows, requests, grants, usage", statements: [
            """
            CREATE TABLE exchange_resources (
                code TEXT PRIMARY KEY,
                short_code TEXT UNIQUE,
                name TEXT NOT NULL,
                name_en TEXT,
                provider_code TEXT NOT NULL,
                division_code TEXT NOT NULL,
                summary TEXT NOT NULL,
                kind TEXT NOT NULL,
                key_field TEXT NOT NULL,
                division_field TEXT,
                fields TEXT NOT NULL,
                update_cycle TEXT NOT NULL,
                sharing TEXT NOT NULL,
                sharing_basis TEXT,
                openness TEXT NOT NULL,
                record_types TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                updated_at {timestamp} NOT NULL
            )
            """,
            "CREATE INDEX exchange_resources_provider ON exchange_resources (provider_code)",
            // One row of a thematic dataset: its fields as canonical JSON (the schema's order,
            // absent values left out), so an unchanged row re-uploaded is recognised and skipped.
            """
            CREATE TABLE exchange_dataset_rows (
                resource_code TEXT NOT NULL,
                row_key TEXT {codepoint} NOT NULL,
                division_code TEXT NOT NULL,
                data TEXT NOT NULL,
                updated_at {timestamp} NOT NULL,
                PRIMARY KEY (resource_code, row_key)
            )
            """,
            """
            CREATE TABLE exchange_requests (
                id {id},
                resource_code TEXT NOT NULL,
                consumer_code TEXT NOT NULL,
                provider_code TEXT NOT NULL,
                requested_by TEXT NOT NULL,
                purpose TEXT NOT NULL,
                fields TEXT NOT NULL,
                plain {bool} NOT NULL,
                days INTEGER NOT NULL,
                api_key_id TEXT,
                state TEXT NOT NULL,
                reason TEXT,
                decided_by TEXT,
                decided_at {timestamp},
                grant_id {bigint},
                created_at {timestamp} NOT NULL
            )
            """,
            "CREATE INDEX exchange_requests_provider ON exchange_requests (provider_code, state)",
            "CREATE INDEX exchange_requests_consumer ON exchange_requests (consumer_code)",
            // A grant: the provider's yes. `window_start` / `window_calls` count this minute's calls
            // in the database, so the limit holds across every server process.
            """
            CREATE TABLE exchange_grants (
                id {id},
                resource_code TEXT NOT NULL,
                consumer_code TEXT NOT NULL,
                provider_code TEXT NOT NULL,
                api_key_id TEXT,
                fields TEXT NOT NULL,
                plain {bool} NOT NULL,
                purpose TEXT NOT NULL,
                rate_per_minute INTEGER NOT NULL,
                granted_by TEXT NOT NULL,
                request_id {bigint},
                starts_at {timestamp} NOT NULL,
                expires_at {timestamp} NOT NULL,
                revoked_at {timestamp},
                revoked_by TEXT,
                revoke_reason TEXT,
                window_start {timestamp},
                window_calls INTEGER NOT NULL,
                created_at {timestamp} NOT NULL
            )
            """,
            "CREATE INDEX exchange_grants_consumer ON exchange_grants (consumer_code, resource_code)",
            "CREATE INDEX exchange_grants_resource ON exchange_grants (resource_code)",
            // Calls and rows served per grant and month: the catalogue's statistics.
            """
            CREATE TABLE exchange_usage (
                grant_id {bigint} NOT NULL,
                month TEXT NOT NULL,
                resource_code TEXT NOT NULL,
                calls {bigint} NOT NULL,
                row_count {bigint} NOT NULL,
                PRIMARY KEY (grant_id, month)
            )
            """,
            "CREATE INDEX exchange_usage_resource ON exchange_usage (resource_code, month)",
            // Secrets the exchange keeps for itself (the cursor key), the same for every process.
            """
            CREATE TABLE exchange_secrets (
                name TEXT PRIMARY KEY,
                value TEXT NOT NULL
            )
            """,
        ]),
        // Subscriptions: a consumer's receiver for a resource's change events. `cursor` is the
        // last change delivered (or passed over); it moves only after the receiver's 2xx, so a
        // process killed mid-delivery leaves the event to be sent again. A process leases a
        // subscription while it delivers (`leased_until`), so each event goes out from one process.
        Migration(module: "exchange", number: 2, name: "subscriptions and dead letters", statements: [
            """
            CREATE TABLE exchange_subscriptions (
                id TEXT PRIMARY KEY,
                resource_code TEXT NOT NULL,
                consumer_code TEXT NOT NULL,
                url TEXT NOT NULL,
                secret TEXT NOT NULL,
                filter TEXT NOT NULL,
                cursor {bigint} NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_at {timestamp} NOT NULL,
                last_error TEXT,
                leased_by TEXT,
                leased_until {timestamp},
                delivered {bigint} NOT NULL,
                created_by TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                ended_at {timestamp}
            )
            """,
            "CREATE INDEX exchange_subscriptions_due ON exchange_subscriptions (next_attempt_at)",
            "CREATE INDEX exchange_subscriptions_consumer ON exchange_subscriptions (consumer_code)",
            // Events given up after the last retry: kept with the body sent, for a look and a replay.
            """
            CREATE TABLE exchange_dead_letters (
                subscription_id TEXT NOT NULL,
                cursor {bigint} NOT NULL,
                webhook_id TEXT NOT NULL,
                body TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                last_error TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                PRIMARY KEY (subscription_id, cursor)
            )
            """,
        ]),
    ]
}
