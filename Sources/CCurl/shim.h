#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed
// wrapper for each kind of argument BeaconHunt passes.
static inline CURLcode bh_curl_set_long(CURL *c, CURLoption o, long v) {
  return curl_easy_setopt(c, o, v);
}
static inline CURLcode bh_curl_set_string(CURL *c, CURLoption o, const char *v) {
  return curl_easy_setopt(c, o, v);
}
static inline CURLcode bh_curl_set_pointer(CURL *c, CURLoption o, void *v) {
  return curl_easy_setopt(c, o, v);
}
typedef size_t (*bh_curl_write_fn)(char *, size_t, size_t, void *);
static inline CURLcode bh_curl_set_write(CURL *c, bh_curl_write_fn f) {
  return curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, f);
}
static inline CURLcode bh_curl_get_long(CURL *c, CURLINFO i, long *v) {
  return curl_easy_getinfo(c, i, v);
}
static inline CURLcode bh_curl_get_string(CURL *c, CURLINFO i, char **v) {
  return curl_easy_getinfo(c, i, v);
}
