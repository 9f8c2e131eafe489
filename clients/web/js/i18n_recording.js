// The strings of the recording indicator and control (recording.js), merged into i18n.js's tables.

import { addStrings } from './i18n.js';

addStrings({
  vi: {
    'rec.on': '● Đang ghi hình',
    'rec.start': 'Bắt đầu ghi hình',
    'rec.stop': 'Dừng ghi hình',
    'rec.alarm.dropped': 'Ghi hình bị thiếu {n} gói tin (máy chủ quá tải).',
    'rec.alarm.stopped': 'Ghi hình đã dừng: {reason}',
  },
  en: {
    'rec.on': '● Recording',
    'rec.start': 'Start recording',
    'rec.stop': 'Stop recording',
    'rec.alarm.dropped': 'The recording lost {n} packets (the hub is overloaded).',
    'rec.alarm.stopped': 'Recording stopped: {reason}',
  },
});
