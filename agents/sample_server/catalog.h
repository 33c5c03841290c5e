// The product catalog and the order book in SQLite (WAL). `Catalog` creates the schema and seeds products
// deterministically; each worker thread then opens its own `CatalogConnection` with prepared statements.
//
// Threading: Catalog::open_and_seed() runs once on the start-up thread. A CatalogConnection belongs to one
// worker thread (SQLITE_OPEN_NOMUTEX); connections of different threads run in parallel (WAL readers) and
// writers serialise through BEGIN IMMEDIATE with a busy timeout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace redline::sample {

struct Product {
    std::int64_t id = 0;
    std::string sku, name, category, description;
    std::int64_t price_cents = 0;
    std::int64_t stock = 0;
};

struct OrderLine {
    std::int64_t product_id = 0;
    std::int64_t quantity = 0;
};

struct OrderRequest {
    std::vector<OrderLine> items;
    std::string customer;
};

struct OrderResult {
    enum class Kind { Created, Replayed, KeyReused, UnknownProduct, Failed } kind = Kind::Failed;
    std::int64_t order_id = 0;
    std::string body;    // order JSON (Created/Replayed)
    std::string detail;  // error detail otherwise
};

/// The category names products are seeded with (stable order).
const std::vector<std::string>& catalog_categories();

class Catalog {
  public:
    explicit Catalog(std::string path);
    /// Creates the schema and seeds `products` products in one transaction when the catalog is empty.
    /// Returns the number of products in the catalog; throws std::runtime_error on SQLite failure.
    std::int64_t open_and_seed(std::uint64_t products);
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

class CatalogConnection {
  public:
    explicit CatalogConnection(const std::string& path);  // throws std::runtime_error
    ~CatalogConnection();
    CatalogConnection(const CatalogConnection&) = delete;
    CatalogConnection& operator=(const CatalogConnection&) = delete;

    /// The stable query (by primary key).
    bool product(std::int64_t id, Product& out);
    /// The canary's query: the same row through a different statement (a covering column order and an
    /// explicit rowid lookup), so a canary regression in the data path is measurable.
    bool product_canary(std::int64_t id, Product& out);
    /// Products with id > after_id in id order, optionally of one category; at most `limit` rows.
    std::vector<Product> list(std::int64_t after_id, std::string_view category, int limit);
    /// FTS5 search over name and description; `match` is an already sanitised FTS5 expression.
    std::vector<Product> search(const std::string& match, int limit);

    /// Creates an order; with a non-empty idempotency scope, a retried key returns the stored response and a
    /// reused key with a different request hash is refused.
    OrderResult create_order(const OrderRequest& req, const std::string& idempotency_scope,
                             const std::string& request_hash, std::int64_t now_ms);
    /// Stored order JSON, or nullopt.
    std::optional<std::string> order(std::int64_t id);

  private:
    void close();
    sqlite3_stmt* prepare(const char* sql);
    void read_product(sqlite3_stmt* st, Product& out, bool canary_order);

    sqlite3* db_ = nullptr;
    sqlite3_stmt* get_ = nullptr;
    sqlite3_stmt* get_canary_ = nullptr;
    sqlite3_stmt* list_all_ = nullptr;
    sqlite3_stmt* list_cat_ = nullptr;
    sqlite3_stmt* search_ = nullptr;
    sqlite3_stmt* price_ = nullptr;
    sqlite3_stmt* idem_get_ = nullptr;
    sqlite3_stmt* idem_put_ = nullptr;
    sqlite3_stmt* order_put_ = nullptr;
    sqlite3_stmt* order_body_ = nullptr;
    sqlite3_stmt* order_get_ = nullptr;
    sqlite3_stmt* begin_ = nullptr;
    sqlite3_stmt* commit_ = nullptr;
    sqlite3_stmt* rollback_ = nullptr;
};

}  // namespace redline::sample
