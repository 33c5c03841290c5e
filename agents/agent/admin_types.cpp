#include "agents/agent/admin_types.h"

namespace redline::agent {

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
