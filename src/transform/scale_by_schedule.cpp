#include "descent/transform/scale_by_schedule.hpp"

#include "descent/transform/transform_base.hpp"

namespace descent {

const std::vector<Field<ScaleByScheduleOptions>>& ScaleByScheduleOptions::fields() {
  static const std::vector<Field<ScaleByScheduleOptions>> f = {
      {"schedule", &ScaleByScheduleOptions::schedule, Range::any(), "d <- s(t) * d"}};
  return f;
}

namespace {

class ScaleBySchedule final : public TransformBase<ScaleBySchedule> {
 public:
  explicit ScaleBySchedule(ScaleByScheduleOptions o) : o_(std::move(o)) { validate(o_); }
  std::string spec() const override { return to_spec("scale_by_schedule", o_); }
  template <class T>
  void make(TransformState<T>&, const ParameterLayout&) const {}
  template <class T>
  void prepare(TransformState<T>& s, const double*) const {
    s.step[0] = o_.schedule->value(s.count - 1);
  }
  template <class T, class Io>
  void tile(TransformState<T>& s, const Tile<T>& t, Io io) const {
    const T f = static_cast<T>(s.step[0]);
#pragma omp simd
    for (std::size_t i = 0; i < t.n; ++i) io.store(i, io.load(i) * f);
  }

 private:
  ScaleByScheduleOptions o_;
};

}  // namespace

TransformPtr scale_by_schedule(SchedulePtr schedule) {
  return std::make_shared<const ScaleBySchedule>(ScaleByScheduleOptions{std::move(schedule)});
}

}  // namespace descent
