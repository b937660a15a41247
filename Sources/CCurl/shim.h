// libcurl is loaded at run time (dlopen of libcurl.so.4, which the machine has because
// Foundation's networking uses it), so building BeaconHunt needs no curl headers. Swift cannot
// call C's variadic functions, so curl_easy_setopt and curl_easy_getinfo, found with dlsym, are
// called through these typed trampolines.
typedef int (*bh_curl_variadic_fn)(void *, int, ...);

static inline int bh_curl_call_long(void *fn, void *handle, int option, long value) {
  return ((bh_curl_variadic_fn)fn)(handle, option, value);
}

static inline int bh_curl_call_pointer(void *fn, void *handle, int option, const void *value) {
  return ((bh_curl_variadic_fn)fn)(handle, option, value);
}
