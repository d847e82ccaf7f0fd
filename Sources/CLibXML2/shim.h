// Debian builds libxml2 with ICU, and its encoding.h then includes ICU headers that clash with
// the ICU copy inside Swift's Foundation. Vigil uses only the xmlTextReader API, none of the ICU
// converter fields, so the ICU part of the headers is left out.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>

static inline void vigil_xml_free(void *p) { xmlFree(p); }
