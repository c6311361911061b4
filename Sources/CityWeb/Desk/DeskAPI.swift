import Cases
import CityHTTP

/// The workbench pages' operations in the API document.
enum DeskAPI {
    static let noSession = (303, "no staff session: to the sign-in page")
    static let number = Schema.string("the case number", pattern: "^[0-9]{1,40}$")
    static let action = Schema.enumeration(CaseAction.allCases.map(\.rawValue))
    static let fragment = APIFragment(operations: [
        .init("get", "/desk", id: "deskQueuePage",
              summary: "The workbench queue: the caller's cases by role, organisation and division, with deadline colours, filters (state, category, overdue, all in scope) and search (q)",
              tag: "web", access: .open, success: (200, nil, APIFragment.html), pageAnswers: [noSession]),
        .init("get", "/desk/new", id: "deskIntakePage",
              summary: "The operator's intake form for a hotline call: address search, map pick, nearby open duplicates to join",
              tag: "web", access: .open, success: (200, nil, APIFragment.html), pageAnswers: [noSession]),
        .init("post", "/desk/new", id: "deskIntakeForm",
              summary: "Files the call (form, URL-encoded or multipart with photos; carries the form token); joins an open case when joinInto names one",
              tag: "web", access: .open, success: (303, nil, APIFragment.html),
              pageAnswers: [noSession, (400, "a field at fault: the form again with the message"), (403, "the form token is missing or not this session's"),
                            (413, "form over the limit"), (422, "the category or place is not known: the form again with the message")]),
        .init("get", "/desk/cases/{number}", id: "deskCasePage",
              summary: "One case: its facts, timeline, photos, a map snippet, the nearest cameras and the actions the caller's role may take at this step",
              tag: "web", access: .open, pathParameters: [("number", number)], success: (200, nil, APIFragment.html),
              pageAnswers: [noSession, (404, "no such case within the caller's scope")]),
        .init("post", "/desk/cases/{number}/{action}", id: "deskCaseAction",
              summary: "Takes an action on a case from its page (form, URL-encoded or multipart with photos; carries the form token)",
              tag: "web", access: .open, pathParameters: [("number", number), ("action", action)],
              success: (303, nil, APIFragment.html),
              pageAnswers: [noSession, (400, "a field at fault: the case page with the message"), (403, "the form token is missing, or the role may not take this action"),
                            (404, "no such case within the caller's scope"), (409, "the case is no longer in a state for this action"), (413, "form over the limit")]),
    ])
}
