// The one result type of functions that parse or read: a value, or what
// went wrong as a value the caller reports (the message names the file, the
// line or the JSON path). Shaped like C++23's std::expected, which g++ 12
// lacks, so that moving to it is a rename. Infrastructure failures inside a
// run are exceptions instead, turned into the run's error in one place.
#pragma once

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace drover {

template <class E = std::string>
struct Unexpected {
  E error;
};

inline Unexpected<std::string> unexpected(std::string message) {
  return {std::move(message)};
}

template <class T, class E = std::string>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Expected(Unexpected<E> failure) : state_(std::in_place_index<1>, std::move(failure.error)) {}

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const { return std::get<1>(state_); }
  E&& take_error() { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, E> state_;
};

// For functions that only succeed or fail.
template <class E>
class [[nodiscard]] Expected<void, E> {
 public:
  Expected() = default;
  Expected(Unexpected<E> failure) : error_(std::move(failure.error)), failed_(true) {}

  bool has_value() const { return !failed_; }
  explicit operator bool() const { return has_value(); }
  const E& error() const { return error_; }
  E&& take_error() { return std::move(error_); }

 private:
  E error_{};
  bool failed_ = false;
};

}  // namespace drover
