// Reads an HTML report of core/load/report_html.h as XML (the reports are XHTML-compatible) for tests: every
// element with its attributes and its text (descendants included), in document order.
#pragma once

#include <QString>
#include <QXmlStreamReader>
#include <map>
#include <string>
#include <vector>

namespace redline::test {

struct HtmlElement {
    std::string name;
    std::map<std::string, std::string> attrs;
    std::string text;  // all text inside, descendants included
    int parent = -1;   // index in HtmlDoc::elements
    std::string attr(const std::string& k) const {
        const auto it = attrs.find(k);
        return it == attrs.end() ? std::string() : it->second;
    }
    bool has(const std::string& k) const { return attrs.count(k) != 0; }
};

struct HtmlDoc {
    std::string error;  // "" = well-formed
    std::vector<HtmlElement> elements;

    /// Index of the first ancestor (or self) named `name`, -1 when none.
    int ancestor(int i, const std::string& name) const {
        for (; i >= 0; i = elements[std::size_t(i)].parent)
            if (elements[std::size_t(i)].name == name) return i;
        return -1;
    }
    /// Direct and indirect children of element i named `name`.
    std::vector<const HtmlElement*> inside(int i, const std::string& name) const {
        std::vector<const HtmlElement*> out;
        for (std::size_t k = std::size_t(i) + 1; k < elements.size(); ++k) {
            int p = elements[k].parent;
            while (p >= 0 && p != i)
                p = elements[std::size_t(p)].parent;
            if (p == i && elements[k].name == name) out.push_back(&elements[k]);
        }
        return out;
    }
    int find_id(const std::string& id) const {
        for (std::size_t i = 0; i < elements.size(); ++i)
            if (elements[i].attr("id") == id) return int(i);
        return -1;
    }
};

inline HtmlDoc read_html_report(const std::string& text) {
    HtmlDoc d;
    QXmlStreamReader x(QString::fromStdString(text));
    std::vector<int> stack;
    while (!x.atEnd()) {
        x.readNext();
        if (x.isStartElement()) {
            HtmlElement e;
            e.name = x.name().toString().toStdString();
            for (const auto& a : x.attributes())
                e.attrs[a.qualifiedName().toString().toStdString()] = a.value().toString().toStdString();
            e.parent = stack.empty() ? -1 : stack.back();
            d.elements.push_back(std::move(e));
            stack.push_back(int(d.elements.size()) - 1);
        } else if (x.isEndElement()) {
            if (!stack.empty()) stack.pop_back();
        } else if (x.isCharacters()) {
            const std::string t = x.text().toString().toStdString();
            for (int i : stack)
                d.elements[std::size_t(i)].text += t;
        }
    }
    if (x.hasError())
        d.error = QStringLiteral("line %1 column %2: %3")
                      .arg(x.lineNumber())
                      .arg(x.columnNumber())
                      .arg(x.errorString())
                      .toStdString();
    return d;
}

}  // namespace redline::test
