package org.vertxetcd.discovery.impl;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How many keys a list page after the first asks for: pages of about 32 MiB (half the client's 64 MiB inbound limit),
 * so a large registry is listed in few pages, each of which etcd pays for with a visit of the whole rest of the range.
 */
class ListPagesTest {

  @Test
  void pagesOfSmallRecordsHoldAboutThirtyTwoMebibytes() {
    // 20,000 keys of 400 bytes: 33,554,432 / 400 = 83,886 keys, four times the first page.
    assertEquals(83_886, RegistryWatcher.nextPageSize(20_000, 20_000L * 400));
  }

  @Test
  void pagesOfLargeRecordsHoldFewerKeys() {
    // Records of 1.5 MB (near etcd's request limit): 33,554,432 / 1,500,000 = 22 keys.
    assertEquals(22, RegistryWatcher.nextPageSize(10, 10L * 1_500_000));
  }

  @Test
  void aPageAlwaysAsksForAtLeastOneKey() {
    assertEquals(1, RegistryWatcher.nextPageSize(1, 100_000_000));
  }

  @Test
  void tinyOrEmptyRecordsAskForAtMostAQuarterMillionKeys() {
    assertEquals(250_000, RegistryWatcher.nextPageSize(20_000, 20_000L * 10));
    assertEquals(250_000, RegistryWatcher.nextPageSize(5, 0));
  }
}
