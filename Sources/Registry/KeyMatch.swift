import SQLKit

/// `(first, second) IN (VALUES (?, ?), …)` for two-column keys (a distribution column and an
/// identifier): both engines look the pairs up by the primary key.
func keyMatch(_ columns: (String, String), _ pairs: some Collection<(String, String)>) -> SQLQueryString {
    var query = SQLQueryString("(\(columns.0), \(columns.1)) IN (VALUES ")
    for (i, pair) in pairs.enumerated() {
        if i > 0 { query += ", " }
        query += "(\(bind: pair.0), \(bind: pair.1))"
    }
    return query + ")"
}
