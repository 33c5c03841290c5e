#include "tests/support/prometheus_text.h"

#include <cmath>

namespace redline::test {

std::vector<PromSample> parse_prometheus_text(const std::string& text, std::string* error) {
    std::vector<PromSample> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t eol = text.find('\n', pos);
        const std::string line = text.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
        pos = eol == std::string::npos ? text.size() : eol + 1;
        if (line.empty() || line[0] == '#') continue;
        PromSample s;
        std::size_t i = 0;
        while (i < line.size() && line[i] != '{' && line[i] != ' ')
            s.name += line[i++];
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (i < line.size() && line[i] != '}') {
                std::string key, value;
                while (i < line.size() && line[i] != '=')
                    key += line[i++];
                if (i + 1 >= line.size() || line[i + 1] != '"') {
                    *error = "bad label in: " + line;
                    return out;
                }
                i += 2;
                while (i < line.size() && line[i] != '"') {
                    if (line[i] == '\\' && i + 1 < line.size()) {
                        const char e = line[++i];
                        value += e == 'n' ? '\n' : e;
                    } else {
                        value += line[i];
                    }
                    ++i;
                }
                ++i;
                if (i < line.size() && line[i] == ',') ++i;
                s.labels[key] = value;
            }
            ++i;
        }
        const std::string v = line.substr(i);
        try {
            s.value = v.find("+Inf") != std::string::npos ? INFINITY : std::stod(v);
        } catch (const std::exception&) {
            *error = "bad value in: " + line;
            return out;
        }
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace redline::test
