#include "agents/sample_server/catalog.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace redline::sample {

namespace {

constexpr std::array<const char*, 24> kAdjectives = {
    "Aged",  "Bright", "Compact", "Durable", "Elegant", "Fancy", "Gentle", "Handy",
    "Ideal", "Jolly",  "Keen",    "Light",   "Mighty",  "Noble", "Old",    "Proper",
    "Quiet", "Rustic", "Sturdy",  "Tiny",    "Urban",   "Vivid", "Warm",   "Zesty"};
constexpr std::array<const char*, 16> kMaterials = {"Steel",  "Oak",   "Cotton", "Wool",  "Glass",  "Copper",
                                                    "Bamboo", "Linen", "Marble", "Cedar", "Rubber", "Leather",
                                                    "Silk",   "Brass", "Clay",   "Carbon"};
constexpr std::array<const char*, 20> kNouns = {
    "Lamp",  "Chair", "Kettle", "Backpack", "Blanket", "Mug",    "Desk",   "Jacket", "Bottle", "Clock",
    "Shelf", "Scarf", "Pan",    "Speaker",  "Wallet",  "Helmet", "Basket", "Knife",  "Pillow", "Stool"};

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void check(int rc, sqlite3* db, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        throw std::runtime_error(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

void exec(sqlite3* db, const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        throw std::runtime_error(std::string("sqlite: ") + msg + " in: " + sql);
    }
}

sqlite3* open_db(const std::string& path) {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close(db);
        throw std::runtime_error("cannot open " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db, 5000);
    exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    return db;
}

struct Stmt {
    sqlite3_stmt* s = nullptr;
    ~Stmt() { sqlite3_finalize(s); }
};

// Resets a statement when leaving a scope, so an early return never leaves it busy.
struct ResetGuard {
    sqlite3_stmt* s;
    ~ResetGuard() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
};

std::string column_text(sqlite3_stmt* st, int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st, i))) : std::string();
}

}  // namespace

const std::vector<std::string>& catalog_categories() {
    static const std::vector<std::string> c = {"books", "garden", "kitchen", "office", "outdoor", "sports",
                                               "toys",  "tools",  "audio",   "bags",   "home",    "apparel"};
    return c;
}

Catalog::Catalog(std::string path) : path_(std::move(path)) {}

std::int64_t Catalog::open_and_seed(std::uint64_t products) {
    sqlite3* db = open_db(path_);
    struct Closer {
        sqlite3* db;
        ~Closer() { sqlite3_close(db); }
    } closer{db};
    exec(db,
         "CREATE TABLE IF NOT EXISTS products(id INTEGER PRIMARY KEY, sku TEXT NOT NULL, name TEXT NOT NULL,"
         " category TEXT NOT NULL, description TEXT NOT NULL, price_cents INTEGER NOT NULL,"
         " stock INTEGER NOT NULL);"
         "CREATE INDEX IF NOT EXISTS products_category ON products(category, id);"
         "CREATE VIRTUAL TABLE IF NOT EXISTS products_fts USING fts5(name, description, content='products',"
         " content_rowid='id');"
         "CREATE TABLE IF NOT EXISTS orders(id INTEGER PRIMARY KEY AUTOINCREMENT, client_key TEXT NOT NULL,"
         " created_ms INTEGER NOT NULL, body TEXT NOT NULL);"
         "CREATE TABLE IF NOT EXISTS idempotency(scope TEXT PRIMARY KEY, request_hash TEXT NOT NULL,"
         " order_id INTEGER NOT NULL, created_ms INTEGER NOT NULL);"
         "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);");

    // The catalog counts as seeded only once the seeding transaction committed its marker.
    Stmt seeded;
    check(sqlite3_prepare_v2(
              db, "SELECT (SELECT count(*) FROM meta WHERE key = 'seeded'), (SELECT count(*) FROM products)",
              -1, &seeded.s, nullptr),
          db, "prepare");
    check(sqlite3_step(seeded.s), db, "count");
    const bool done = sqlite3_column_int64(seeded.s, 0) > 0;
    const std::int64_t existing = sqlite3_column_int64(seeded.s, 1);
    sqlite3_reset(seeded.s);
    if (done) {
        if (static_cast<std::uint64_t>(existing) != products)
            spdlog::info("catalog {} already holds {} products; not reseeding", path_, existing);
        return existing;
    }

    // Bulk load without a journal (one writer, nothing to protect yet: the marker above decides), then WAL.
    exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536;");
    exec(db, "DELETE FROM products; INSERT INTO products_fts(products_fts) VALUES('delete-all');");
    exec(db, "BEGIN IMMEDIATE");
    Stmt ins;
    check(sqlite3_prepare_v2(db,
                             "INSERT INTO products(id, sku, name, category, description, price_cents, stock)"
                             " VALUES(?,?,?,?,?,?,?)",
                             -1, &ins.s, nullptr),
          db, "prepare insert");
    const auto& cats = catalog_categories();
    std::string sku, name, desc;
    for (std::uint64_t i = 1; i <= products; ++i) {
        const std::uint64_t r = splitmix64(i);
        const char* adj = kAdjectives[r % kAdjectives.size()];
        const char* mat = kMaterials[(r >> 8) % kMaterials.size()];
        const char* noun = kNouns[(r >> 16) % kNouns.size()];
        const std::string& cat = cats[(r >> 24) % cats.size()];
        char buf[32];
        std::snprintf(buf, sizeof buf, "SKU-%08llu", static_cast<unsigned long long>(i));
        sku = buf;
        name = std::string(adj) + " " + mat + " " + noun;
        desc = std::string("A ") + adj + " " + noun + " made of " + mat + ", item " + std::to_string(i) +
               " of the " + cat + " range.";
        sqlite3_bind_int64(ins.s, 1, static_cast<sqlite3_int64>(i));
        sqlite3_bind_text(ins.s, 2, sku.data(), static_cast<int>(sku.size()), SQLITE_STATIC);
        sqlite3_bind_text(ins.s, 3, name.data(), static_cast<int>(name.size()), SQLITE_STATIC);
        sqlite3_bind_text(ins.s, 4, cat.data(), static_cast<int>(cat.size()), SQLITE_STATIC);
        sqlite3_bind_text(ins.s, 5, desc.data(), static_cast<int>(desc.size()), SQLITE_STATIC);
        sqlite3_bind_int64(ins.s, 6, static_cast<sqlite3_int64>(199 + (r >> 32) % 50'000));
        sqlite3_bind_int64(ins.s, 7, static_cast<sqlite3_int64>((r >> 48) % 1000));
        if (sqlite3_step(ins.s) != SQLITE_DONE) {
            exec(db, "ROLLBACK");
            throw std::runtime_error(std::string("seeding failed: ") + sqlite3_errmsg(db));
        }
        sqlite3_reset(ins.s);
    }
    exec(db, "INSERT INTO products_fts(products_fts) VALUES('rebuild');");
    exec(db, "INSERT OR REPLACE INTO meta(key, value) VALUES('seeded', 'yes'); COMMIT;");
    exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    return static_cast<std::int64_t>(products);
}

CatalogConnection::CatalogConnection(const std::string& path) {
    db_ = open_db(path);
    try {
        get_ = prepare(
            "SELECT id, sku, name, category, description, price_cents, stock FROM products WHERE id = ?");
        get_canary_ = prepare(
            "SELECT price_cents, stock, name, category, description, sku, rowid FROM products"
            " WHERE rowid IN (?) LIMIT 1");
        list_all_ = prepare(
            "SELECT id, sku, name, category, description, price_cents, stock FROM products WHERE id > ?"
            " ORDER BY id LIMIT ?");
        list_cat_ = prepare(
            "SELECT id, sku, name, category, description, price_cents, stock FROM products"
            " WHERE category = ? AND id > ? ORDER BY id LIMIT ?");
        search_ = prepare(
            "SELECT p.id, p.sku, p.name, p.category, p.description, p.price_cents, p.stock"
            " FROM products_fts f JOIN products p ON p.id = f.rowid WHERE products_fts MATCH ?"
            " ORDER BY f.rank, p.id LIMIT ?");
        price_ = prepare("SELECT price_cents, name FROM products WHERE id = ?");
        idem_get_ = prepare("SELECT request_hash, order_id FROM idempotency WHERE scope = ?");
        idem_put_ =
            prepare("INSERT INTO idempotency(scope, request_hash, order_id, created_ms) VALUES(?,?,?,?)");
        order_put_ = prepare("INSERT INTO orders(client_key, created_ms, body) VALUES(?, ?, '')");
        order_body_ = prepare("UPDATE orders SET body = ? WHERE id = ?");
        order_get_ = prepare("SELECT body FROM orders WHERE id = ?");
        begin_ = prepare("BEGIN IMMEDIATE");
        commit_ = prepare("COMMIT");
        rollback_ = prepare("ROLLBACK");
    } catch (...) {
        close();
        throw;
    }
}

CatalogConnection::~CatalogConnection() {
    close();
}

void CatalogConnection::close() {
    for (auto* s : {get_, get_canary_, list_all_, list_cat_, search_, price_, idem_get_, idem_put_,
                    order_put_, order_body_, order_get_, begin_, commit_, rollback_})
        sqlite3_finalize(s);
    get_ = get_canary_ = list_all_ = list_cat_ = search_ = price_ = idem_get_ = idem_put_ = order_put_ =
        order_body_ = order_get_ = begin_ = commit_ = rollback_ = nullptr;
    sqlite3_close(db_);
    db_ = nullptr;
}

sqlite3_stmt* CatalogConnection::prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    check(sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr), db_, sql);
    return s;
}

void CatalogConnection::read_product(sqlite3_stmt* st, Product& p, bool canary_order) {
    if (!canary_order) {
        p.id = sqlite3_column_int64(st, 0);
        p.sku = column_text(st, 1);
        p.name = column_text(st, 2);
        p.category = column_text(st, 3);
        p.description = column_text(st, 4);
        p.price_cents = sqlite3_column_int64(st, 5);
        p.stock = sqlite3_column_int64(st, 6);
    } else {
        p.price_cents = sqlite3_column_int64(st, 0);
        p.stock = sqlite3_column_int64(st, 1);
        p.name = column_text(st, 2);
        p.category = column_text(st, 3);
        p.description = column_text(st, 4);
        p.sku = column_text(st, 5);
        p.id = sqlite3_column_int64(st, 6);
    }
}

bool CatalogConnection::product(std::int64_t id, Product& out) {
    ResetGuard g{get_};
    sqlite3_bind_int64(get_, 1, id);
    if (sqlite3_step(get_) != SQLITE_ROW) return false;
    read_product(get_, out, false);
    return true;
}

bool CatalogConnection::product_canary(std::int64_t id, Product& out) {
    ResetGuard g{get_canary_};
    sqlite3_bind_int64(get_canary_, 1, id);
    if (sqlite3_step(get_canary_) != SQLITE_ROW) return false;
    read_product(get_canary_, out, true);
    return true;
}

std::vector<Product> CatalogConnection::list(std::int64_t after_id, std::string_view category, int limit) {
    sqlite3_stmt* st = category.empty() ? list_all_ : list_cat_;
    ResetGuard g{st};
    int i = 1;
    if (!category.empty())
        sqlite3_bind_text(st, i++, category.data(), static_cast<int>(category.size()), SQLITE_STATIC);
    sqlite3_bind_int64(st, i++, after_id);
    sqlite3_bind_int(st, i, limit);
    std::vector<Product> out;
    out.reserve(static_cast<std::size_t>(limit));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        read_product(st, out.emplace_back(), false);
    check(rc, db_, "list");
    return out;
}

std::vector<Product> CatalogConnection::search(const std::string& match, int limit) {
    ResetGuard g{search_};
    sqlite3_bind_text(search_, 1, match.data(), static_cast<int>(match.size()), SQLITE_STATIC);
    sqlite3_bind_int(search_, 2, limit);
    std::vector<Product> out;
    int rc;
    while ((rc = sqlite3_step(search_)) == SQLITE_ROW)
        read_product(search_, out.emplace_back(), false);
    check(rc, db_, "search");
    return out;
}

OrderResult CatalogConnection::create_order(const OrderRequest& req, const std::string& scope,
                                            const std::string& request_hash, std::int64_t now_ms) {
    OrderResult r;
    auto step_simple = [&](sqlite3_stmt* s) {
        const int rc = sqlite3_step(s);
        sqlite3_reset(s);
        return rc == SQLITE_DONE;
    };
    if (!step_simple(begin_)) {
        r.detail = std::string("database busy: ") + sqlite3_errmsg(db_);
        return r;
    }
    bool committed = false;
    struct Tx {
        CatalogConnection* c;
        bool* committed;
        ~Tx() {
            if (!*committed) {
                sqlite3_step(c->rollback_);
                sqlite3_reset(c->rollback_);
            }
        }
    } tx{this, &committed};

    auto fetch_order = [&](std::int64_t id) -> std::optional<std::string> {
        ResetGuard g{order_get_};
        sqlite3_bind_int64(order_get_, 1, id);
        if (sqlite3_step(order_get_) != SQLITE_ROW) return std::nullopt;
        return column_text(order_get_, 0);
    };

    if (!scope.empty()) {
        ResetGuard g{idem_get_};
        sqlite3_bind_text(idem_get_, 1, scope.data(), static_cast<int>(scope.size()), SQLITE_STATIC);
        if (sqlite3_step(idem_get_) == SQLITE_ROW) {
            const std::string stored_hash = column_text(idem_get_, 0);
            const std::int64_t order_id = sqlite3_column_int64(idem_get_, 1);
            if (stored_hash != request_hash) {
                r.kind = OrderResult::Kind::KeyReused;
                r.detail = "this Idempotency-Key was used with a different request body";
                return r;
            }
            auto body = fetch_order(order_id);
            if (!body) {
                r.detail = "stored order missing";
                return r;
            }
            r.kind = OrderResult::Kind::Replayed;
            r.order_id = order_id;
            r.body = std::move(*body);
            return r;
        }
    }

    nlohmann::json items = nlohmann::json::array();
    std::int64_t total = 0;
    for (const auto& line : req.items) {
        ResetGuard g{price_};
        sqlite3_bind_int64(price_, 1, line.product_id);
        if (sqlite3_step(price_) != SQLITE_ROW) {
            r.kind = OrderResult::Kind::UnknownProduct;
            r.detail = "product " + std::to_string(line.product_id) + " does not exist";
            return r;
        }
        const std::int64_t price = sqlite3_column_int64(price_, 0);
        total += price * line.quantity;
        items.push_back({{"product_id", line.product_id},
                         {"name", column_text(price_, 1)},
                         {"quantity", line.quantity},
                         {"unit_price_cents", price}});
    }
    {
        ResetGuard g{order_put_};
        sqlite3_bind_text(order_put_, 1, scope.data(), static_cast<int>(scope.size()), SQLITE_STATIC);
        sqlite3_bind_int64(order_put_, 2, now_ms);
        if (sqlite3_step(order_put_) != SQLITE_DONE) {
            r.detail = sqlite3_errmsg(db_);
            return r;
        }
    }
    const std::int64_t id = sqlite3_last_insert_rowid(db_);
    nlohmann::json order = {{"id", id},
                            {"items", std::move(items)},
                            {"total_cents", total},
                            {"created_ms", now_ms},
                            {"status", "accepted"}};
    if (!req.customer.empty()) order["customer"] = req.customer;
    r.body = order.dump();
    {
        ResetGuard g{order_body_};
        sqlite3_bind_text(order_body_, 1, r.body.data(), static_cast<int>(r.body.size()), SQLITE_STATIC);
        sqlite3_bind_int64(order_body_, 2, id);
        if (sqlite3_step(order_body_) != SQLITE_DONE) {
            r.detail = sqlite3_errmsg(db_);
            return r;
        }
    }
    if (!scope.empty()) {
        ResetGuard g{idem_put_};
        sqlite3_bind_text(idem_put_, 1, scope.data(), static_cast<int>(scope.size()), SQLITE_STATIC);
        sqlite3_bind_text(idem_put_, 2, request_hash.data(), static_cast<int>(request_hash.size()),
                          SQLITE_STATIC);
        sqlite3_bind_int64(idem_put_, 3, id);
        sqlite3_bind_int64(idem_put_, 4, now_ms);
        if (sqlite3_step(idem_put_) != SQLITE_DONE) {
            r.detail = sqlite3_errmsg(db_);
            return r;
        }
    }
    if (!step_simple(commit_)) {
        r.detail = std::string("commit failed: ") + sqlite3_errmsg(db_);
        return r;
    }
    committed = true;
    r.kind = OrderResult::Kind::Created;
    r.order_id = id;
    return r;
}

std::optional<std::string> CatalogConnection::order(std::int64_t id) {
    ResetGuard g{order_get_};
    sqlite3_bind_int64(order_get_, 1, id);
    if (sqlite3_step(order_get_) != SQLITE_ROW) return std::nullopt;
    return column_text(order_get_, 0);
}

}  // namespace redline::sample
