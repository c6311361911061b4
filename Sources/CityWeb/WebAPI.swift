import CityHTTP

/// The pages' operations in the API document.
enum WebAPI {
    static let fragment = APIFragment(operations: [
        .init("get", "/", id: "homePage", summary: "Workbench page (redirects to /login without a staff session)", tag: "web", access: .open,
              success: (200, nil, APIFragment.html), pageAnswers: [(303, "no session: to the sign-in page")]),
        .init("get", "/screen", id: "screenPage",
              summary: "The command center's wall display (1920×1080): map, figures, trends and the latest cases, live from the case feed (redirects to /login without a staff session)",
              tag: "web", access: .open, success: (200, nil, APIFragment.html), pageAnswers: [(303, "no session: to the sign-in page")]),
        .init("get", "/screen/grid", id: "screenGrid",
              summary: "The grid cells in the caller's scope as one SVG path in the wall display's projection, with their box (the map's zoom); redirects to /login without a staff session",
              tag: "web", access: .open, success: (200, nil, APIFragment.json), pageAnswers: [(303, "no session: to the sign-in page")]),
        .init("get", "/login", id: "loginPage", summary: "Sign-in page", tag: "web", access: .open, success: (200, nil, APIFragment.html)),
        .init("post", "/login", id: "loginForm", summary: "Sign in with a form; sets the session cookie", tag: "web", access: .open,
              success: (303, nil, APIFragment.html),
              pageAnswers: [(401, "wrong credentials: the form again with the message"), (403, "the form was posted from another site"),
                            (413, "form over 16 KiB"), (429, "too many failed logins from this address")]),
        .init("post", "/logout", id: "logoutForm", summary: "Sign out; clears the session cookie", tag: "web", access: .open, success: (303, nil, APIFragment.html)),
        .init("get", "/verify", id: "verifyPage",
              summary: "The public licence verification page: paste a sealed licence (licence=) or arrive from its QR code (id=, d=) and see the verdict",
              tag: "web", access: .open,
              query: [.init("licence", Schema.string("a sealed licence (compact JWS; longer ones by POST /api/v1/licences/verify)", max: 8_192), "the licence to verify"),
                      .init("id", Schema.string(max: 120), "the licence identifier (from the QR code)"),
                      .init("d", Schema.string(max: 64), "the digest (from the QR code)")],
              success: (200, nil, APIFragment.html), answers: [(400, "a licence over 8,192 characters, or an identifier or digest too long")]),
        .init("get", "/favicon.ico", id: "favicon", summary: "The site icon (SVG)", tag: "web", access: .open, success: (200, nil, "image/svg+xml")),
    ])
}
