#include "agents/agent/types.h"

#include "agents/agent/agent.h"

namespace redline::agent {

std::string_view to_string(Role r) {
    switch (r) {
        case Role::Viewer:
            return "viewer";
        case Role::Operator:
            return "operator";
        case Role::None:
            break;
    }
    return "none";
}

AdminResponse AdminResponse::json(int status, const nlohmann::json& body) {
    AdminResponse r;
    r.status = status;
    r.content_type = "application/json";
    r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return r;
}

AdminResponse AdminResponse::problem(const Problem& p) {
    AdminResponse r;
    r.status = p.status;
    r.content_type = "application/problem+json";
    r.body = p.to_json_string();
    return r;
}

}  // namespace redline::agent
