// Each named enum and its table of names (enum_names.hpp) stay in step: every enumerator has
// exactly one name, the rows are in enum order, and printing and parsing agree.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "dpcast/models/attention_kernel.hpp"
#include "dpcast/models/enum_names.hpp"
#include "dpcast/models/hardware.hpp"
#include "dpcast/models/layer.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/models/validation_corpus.hpp"
#include "dpcast/models/zoo.hpp"

namespace dpcast::models {
namespace {

// How many enumerators an enum has, without a table: GCC and Clang print a template
// argument that names an enumerator as "V = ns::Enum::Name" and any other value of the enum
// as "V = (ns::Enum)4". The enums here count from 0 without gaps and have fewer than 64.
template <auto V>
constexpr std::string_view signature() {
  return __PRETTY_FUNCTION__;
}

template <typename Enum, std::size_t I>
constexpr bool names_an_enumerator() {
  constexpr std::string_view s = signature<static_cast<Enum>(I)>();
  constexpr std::size_t at = s.find("V = ");
  static_assert(at != std::string_view::npos, "unexpected __PRETTY_FUNCTION__");
  return s[at + 4] != '(';
}

template <typename Enum, std::size_t... I>
constexpr std::size_t count_enumerators(std::index_sequence<I...>) {
  return (std::size_t{0} + ... + (names_an_enumerator<Enum, I>() ? 1 : 0));
}

template <typename Enum>
constexpr std::size_t enumerator_count() {
  return count_enumerators<Enum>(std::make_index_sequence<64>());
}

// The counting itself, on enums whose size is known: if it broke, the tests below could not fail.
enum class Three { A, B, C };
enum class One { Only };
static_assert(enumerator_count<Three>() == 3);
static_assert(enumerator_count<One>() == 1);

template <typename Enum>
class EnumNamesTest : public ::testing::Test {};

using NamedEnums = ::testing::Types<Precision, IntraFabric, LayerKind, Topology, Optimizer, ComputeNoise::Distribution,
                                    Collective, CollectiveOp, CommLibrary, CpuVendor, FfnKind, ModelFamily, Workload,
                                    Measure, AttentionKernel, MemoryFormat, NcclAlgorithm, NcclProtocol>;
TYPED_TEST_SUITE(EnumNamesTest, NamedEnums);

TYPED_TEST(EnumNamesTest, EveryEnumeratorHasOneRowInEnumOrder) {
  const auto& table = EnumNames<TypeParam>::table;
  EXPECT_EQ(table.size(), enumerator_count<TypeParam>()) << "an enumerator without a name, or a row too many";
  EXPECT_TRUE(in_enum_order<TypeParam>());
  for (std::size_t i = 0; i < table.size(); ++i) EXPECT_EQ(static_cast<std::size_t>(table[i].value), i) << "row " << i;
}

TYPED_TEST(EnumNamesTest, NamesAreDistinctAndRoundTrip) {
  std::set<std::string_view> seen;
  for (const auto& row : EnumNames<TypeParam>::table) {
    EXPECT_FALSE(row.name.empty());
    EXPECT_TRUE(seen.insert(row.name).second) << "'" << row.name << "' names two enumerators";
    EXPECT_EQ(to_string(row.value), row.name);
    EXPECT_EQ(enum_from_name<TypeParam>(row.name), row.value) << row.name;
  }
  EXPECT_EQ(enum_names<TypeParam>().size(), seen.size());
  EXPECT_FALSE(enum_from_name<TypeParam>("no such name").has_value());
}

TEST(EnumNames, NamesAsFilesWriteThem) {
  EXPECT_EQ(to_string(Precision::Bf16), "bf16");
  EXPECT_EQ(to_string(IntraFabric::SharedMemory), "shared-memory");
  EXPECT_EQ(to_string(Collective::HalvingDoubling), "halving-doubling");
  EXPECT_EQ(to_string(CollectiveOp::ReduceScatter), "reduce-scatter");
  EXPECT_EQ(to_string(Measure::AlgorithmBandwidth), "algbw_GBps");
  EXPECT_EQ(info(Measure::AlgorithmBandwidth).unit, "GB/s");
  EXPECT_EQ(enum_names<Topology>(), (std::vector<std::string>{"single-switch", "fat-tree", "rail-optimized"}));
  EXPECT_EQ(enum_names({LayerKind::RmsNorm, LayerKind::LayerNorm}), (std::vector<std::string>{"rmsnorm", "layernorm"}));
}

}  // namespace
}  // namespace dpcast::models
