#include "agents/agent/types.h"

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

}  // namespace redline::agent
