#include "descent/spec/distributed_spec.hpp"

#include <gtest/gtest.h>

#include <string>

#include "descent/core/error.hpp"

namespace descent {
namespace {

TEST(DistributedSpec, CanonicalForms) {
  EXPECT_EQ(parse_distributed("data_parallel").spec(), "data_parallel(shards=8)");
  EXPECT_EQ(parse_distributed("data_parallel(shards=3)").spec(), "data_parallel(shards=3)");
  EXPECT_EQ(parse_distributed("dsgd").spec(), "dsgd(graph=ring)");
  EXPECT_EQ(parse_distributed("dsgd(graph=torus, rows=2)").spec(), "dsgd(graph=torus, rows=2)");
  EXPECT_EQ(parse_distributed("dsgd(graph=erdos_renyi, p=0.3)").spec(), "dsgd(graph=erdos_renyi, p=0.3)");
  EXPECT_EQ(parse_distributed("dsgd(graph=torus, rows=2)").graph_spec(), "torus(rows=2)");
  EXPECT_EQ(parse_distributed("dsgd(graph=erdos_renyi, p=0.25)").graph_spec(), "erdos_renyi(p=0.25)");
  EXPECT_EQ(parse_distributed("dsgd(graph=complete)").graph_spec(), "complete");
  // Canonical specs parse back to themselves.
  for (const char* text : {"data_parallel(shards=5)", "dsgd(graph=exponential)", "dsgd(graph=torus, rows=3)"})
    EXPECT_EQ(parse_distributed(parse_distributed(text).spec()).spec(), parse_distributed(text).spec());
}

TEST(DistributedSpec, ErrorsNameWhatIsWrong) {
  try {
    parse_distributed("data_paralel");
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown distributed method 'data_paralel'; did you mean 'data_parallel'"),
              std::string::npos)
        << e.what();
  }
  try {
    parse_distributed("data_parallel(shards=0)");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("DataParallelOptions::shards = 0 violates"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_distributed("dsgd(graph=star)"), ParseError);  // a choice: with a caret
  EXPECT_THROW(parse_distributed("dsgd(p=1.5)"), ConfigError);
  EXPECT_THROW(parse_distributed("dsgd(shards=2)"), ParseError);
}

}  // namespace
}  // namespace descent
