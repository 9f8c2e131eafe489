// All user-visible text of the pages, in Vietnamese (default) and English.
// Static text: elements carry data-i18n="key" (textContent), data-i18n-title,
// data-i18n-placeholder or data-i18n-aria-label. Dynamic text: t(key, params).

const STORAGE_KEY = 'dienhong.lang';
export const LANGS = ['vi', 'en'];

const TABLE = {
  vi: {
    'brand': 'dienhong',
    'lang.label': 'Ngôn ngữ',

    'page.index': 'dienhong — Hội nghị trực tuyến',
    'page.chair': 'Chủ tọa — dienhong',
    'page.site': 'Điểm cầu — dienhong',
    'page.whip': 'Phát qua WHIP — dienhong',
    'page.whep': 'Xem qua WHEP — dienhong',

    'index.title': 'Hội nghị trực tuyến giữa Thành phố và các phường, xã',
    'index.lead': 'dienhong là máy chủ hội nghị truyền hình (SFU WebRTC) của UBND Thành phố Hà Nội. Chủ tọa và các điểm cầu kết nối qua trình duyệt, không cần cài đặt.',
    'index.how': 'Mỗi người tham dự nhận từ bộ phận điều hành một đường dẫn có mã truy cập. Mở đúng đường dẫn đó là vào hội nghị.',
    'index.pages': 'Các trang',
    'index.chair': 'Trang chủ tọa',
    'index.chair.desc': 'Dành cho lãnh đạo chủ trì: xem tất cả các điểm cầu, phát hình và tiếng của mình.',
    'index.site': 'Trang điểm cầu',
    'index.site.desc': 'Dành cho phòng họp phường, xã: hình chủ tọa hiển thị lớn, các điểm cầu khác ở bên cạnh.',
    'index.whip': 'Phát qua WHIP',
    'index.whip.desc': 'Phát camera và micro bằng giao thức chuẩn WHIP.',
    'index.whep': 'Xem qua WHEP',
    'index.whep.desc': 'Xem chương trình chính của hội nghị (hình và tiếng chủ tọa) bằng giao thức chuẩn WHEP.',
    'index.open': 'Mở bằng mã truy cập',
    'index.open.page': 'Trang',
    'index.open.token': 'Mã truy cập',
    'index.open.name': 'Tên hiển thị (không bắt buộc)',
    'index.open.go': 'Mở',
    'index.offline': 'Các trang hoạt động không cần Internet, chỉ cần kết nối tới máy chủ hội nghị.',

    'room.chair.title': 'Chủ tọa',
    'room.site.title': 'Điểm cầu',
    'room.stage.wait': 'Đang chờ hình ảnh chủ tọa…',
    'room.grid.empty': 'Chưa có điểm cầu nào đang phát.',
    'room.others': 'Các điểm cầu',
    'room.sites': 'Các điểm cầu',
    'room.you': 'Hình của bạn',
    'room.nopreview': 'Không có camera',
    'room.mic': 'Micro',
    'room.cam': 'Camera',
    'room.mic.off': 'Bật micro',
    'room.mic.on': 'Tắt micro',
    'room.cam.off': 'Bật camera',
    'room.cam.on': 'Tắt camera',
    'room.leave': 'Rời hội nghị',
    'room.rejoin': 'Vào lại',
    'room.meeting': 'Hội nghị',
    'room.name': 'Tên',
    'room.role': 'Vai trò',
    'room.count': 'Đang phát: {n}',
    'room.unmute': 'Bật âm thanh',
    'room.audio.blocked': 'Trình duyệt chặn tự phát âm thanh. Bấm để nghe.',
    'room.recvonly.media': 'Không dùng được camera/micro ({reason}). Bạn vẫn xem và nghe hội nghị (chỉ nhận).',
    'room.recvonly.partial': 'Chỉ phát được {what}: {reason}.',
    'room.recvonly.role': 'Vai trò {role} chỉ xem và nghe, không phát.',
    'room.recvonly.option': 'Chế độ chỉ nhận (theo đường dẫn).',

    'conn.ws': 'Máy chủ',
    'conn.pub': 'Gửi',
    'conn.sub': 'Nhận',
    'conn.new': 'chưa kết nối',
    'conn.connecting': 'đang kết nối',
    'conn.connected': 'đã kết nối',
    'conn.open': 'đã kết nối',
    'conn.disconnected': 'mất kết nối',
    'conn.failed': 'lỗi',
    'conn.closed': 'đã đóng',
    'conn.idle': '—',

    'status.init': 'Đang khởi động…',
    'status.connecting': 'Đang kết nối tới máy chủ…',
    'status.joining': 'Đang vào hội nghị…',
    'status.joined': 'Đã vào hội nghị {meeting}.',
    'status.media': 'Đang mở camera và micro…',
    'status.publishing': 'Đang phát hình và tiếng.',
    'status.recvonly': 'Đã vào hội nghị {meeting} (chỉ nhận).',
    'status.left': 'Đã rời hội nghị.',
    'status.stopped': 'Đã dừng.',
    'status.whip.sending': 'Đang gửi yêu cầu phát…',
    'status.whip.live': 'Đang phát qua WHIP.',
    'status.whep.sending': 'Đang gửi yêu cầu xem…',
    'status.whep.live': 'Đang xem qua WHEP.',
    'status.gathering': 'Đang thu thập địa chỉ mạng…',
    'status.error': 'Lỗi: {message}',
    'status.ready': 'Nhập hội nghị và mã truy cập, rồi bấm Bắt đầu.',

    'role.chair': 'Chủ tọa',
    'role.operator': 'Điều hành',
    'role.site': 'Điểm cầu',
    'role.clerk': 'Thư ký',
    'role.observer': 'Quan sát',

    'media.video': 'hình',
    'media.audio': 'tiếng',

    'form.meeting': 'Hội nghị',
    'form.token': 'Mã truy cập',
    'form.start': 'Bắt đầu',
    'form.stop': 'Dừng',
    'stats.title': 'Thống kê',
    'stats.none': 'Chưa có số liệu.',
    'stats.kind': 'Loại',
    'stats.codec': 'Mã hóa',
    'stats.packets': 'Gói tin',
    'stats.frames': 'Khung hình',
    'stats.size': 'Kích thước',

    'err.no_token': 'Thiếu mã truy cập trong đường dẫn (#token=...).',
    'err.no_meeting': 'Thiếu tên hội nghị (#meeting=...).',
    'err.bad_token': 'Mã truy cập không đọc được.',
    'err.ws_connect': 'Không kết nối được tới máy chủ',
    'err.ws_closed': 'Mất kết nối tới máy chủ',
    'err.timeout': 'Máy chủ không trả lời',
    'err.bad_json': 'Dữ liệu gửi đi không hợp lệ',
    'err.bad_request': 'Yêu cầu thiếu hoặc sai trường',
    'err.unknown_type': 'Máy chủ không hiểu yêu cầu',
    'err.unauthorized': 'Mã truy cập không hợp lệ',
    'err.token_expired': 'Mã truy cập đã hết hạn',
    'err.wrong_meeting': 'Mã truy cập thuộc hội nghị khác',
    'err.forbidden': 'Vai trò này không được phép',
    'err.not_joined': 'Chưa vào hội nghị',
    'err.already_joined': 'Đã vào hội nghị rồi',
    'err.bad_sdp': 'Máy chủ từ chối mô tả phiên (SDP)',
    'err.too_large': 'Tin nhắn quá lớn',
    'err.rate_limited': 'Gửi yêu cầu quá nhanh',
    'err.internal': 'Lỗi nội bộ của máy chủ',
    'err.media': 'Không mở được camera/micro',
    'err.codec_unavailable': 'Trình duyệt không có bộ mã hóa yêu cầu',
    'err.transport_failed': 'Kết nối media bị lỗi',
    'err.webrtc': 'Lỗi WebRTC',
    'err.http': 'Máy chủ trả lời lỗi HTTP',
    'err.network': 'Lỗi mạng',

    'page.operator': 'Điều hành — dienhong',
    'room.operator.title': 'Điều hành',
    'index.operator': 'Trang điều hành',
    'index.operator.desc': 'Dành cho bộ phận điều hành: tình trạng của tất cả các điểm cầu, cho phát biểu, tắt tiếng, điểm danh.',
    'room.mic.gated': 'Micro tắt (chờ được phát biểu)',
    'speaker.label': 'Đang nói:',
    'speaker.none': '—',
    'hand.raise': 'Xin phát biểu',
    'hand.lower': 'Hủy xin phát biểu',
    'hand.floor': 'Đang được phát biểu',
    'hand.raised': 'Đã xin phát biểu, chờ chủ tọa.',
    'hand.position': 'Đã xin phát biểu — thứ tự {n}.',
    'floor.yours': 'Đang được phát biểu — micro đã mở.',
    'floor.queue': 'Xin phát biểu',
    'floor.queue.empty': 'Chưa có điểm cầu nào xin phát biểu.',
    'floor.holders': 'Đang được phát biểu',
    'floor.holders.empty': 'Chưa có điểm cầu nào được phát biểu.',
    'floor.give': 'Cho phát biểu',
    'floor.take': 'Thu hồi',
    'floor.muteall': 'Tắt tiếng tất cả',
    'wall.page': 'Trang {n}/{total}',
    'wall.page.none': 'Trang —',
    'wall.prev': 'Trang trước',
    'wall.next': 'Trang sau',
    'wall.thumbs': 'Hình các điểm cầu',
    'wall.thumbs.empty': 'Chưa có hình của điểm cầu nào trên trang này.',
    'wall.title': 'Tất cả điểm cầu',
    'wall.filter': 'Lọc theo tên hoặc mã…',
    'wall.show': 'Hiển thị',
    'wall.show.all': 'Tất cả',
    'wall.show.connected': 'Đã kết nối',
    'wall.show.disconnected': 'Chưa kết nối',
    'wall.show.hand': 'Xin phát biểu',
    'wall.show.floor': 'Đang phát biểu',
    'wall.col.site': 'Điểm cầu',
    'wall.col.district': 'Quận, huyện',
    'wall.col.level': 'Âm lượng',
    'wall.col.video': 'Hình',
    'wall.col.kbps': 'kbit/s',
    'wall.col.loss': 'Mất gói',
    'wall.col.rtt': 'Trễ (ms)',
    'wall.col.state': 'Tình trạng',
    'wall.col.actions': 'Thao tác',
    'wall.empty': 'Chưa nhận được danh sách điểm cầu.',
    'wall.connected': 'Đã kết nối {n}/{total}',
    'wall.shown': 'đang hiện {n}',
    'wall.mute': 'Tắt tiếng',
    'wall.thumb.offline': 'Chưa kết nối',
    'wall.thumb.novideo': 'Chưa có hình',
    'wall.kick': 'Mời ra',
    'wall.hand': 'Xin nói',
    'wall.floor': 'Phát biểu',
    'roll.title': 'Điểm danh',
    'docs.title': 'Tài liệu',
    'docs.empty': 'Chưa có tài liệu.',
    'docs.held': 'đã nhận',
    'docs.missing': 'Chưa nhận',
    'viewer.title': 'Tài liệu trình bày',
    'viewer.none': 'Chưa mở tài liệu nào. Chọn một tài liệu trong danh sách, hoặc chờ chủ tọa trình bày.',
    'viewer.page': 'Trang {n}/{total}',
    'viewer.prev': 'Trang trước',
    'viewer.next': 'Trang sau',
    'viewer.follow': 'Theo người trình bày',
    'viewer.following': 'Đang theo người trình bày: {title}',
    'viewer.away': 'Người trình bày đang ở trang {n} của “{title}”.',
    'viewer.loading': 'Đang tải tài liệu về máy…',
    'viewer.loading.short': '(đang tải)',
    'viewer.missing': 'Máy này chưa có tài liệu đang trình bày.',
    'viewer.nolib': 'Không tải được bộ hiển thị PDF (pdf.js).',
    'viewer.bad': 'Không hiển thị được tài liệu này.',
    'viewer.live': '● đang trình bày',
    'viewer.present': 'Trình bày',
    'viewer.presenting': 'Bạn đang trình bày: trang {n}/{total}',
    'viewer.present.prev': 'Trình bày trang trước',
    'viewer.present.next': 'Trình bày trang sau',
    'viewer.stop': 'Dừng trình bày',
    'viewer.unsupported': 'Máy chủ chưa hỗ trợ trình bày tài liệu.',
    'viewer.failed': 'Không trình bày được: {message}',
    'roll.refresh': 'Cập nhật',
    'roll.download': 'Tải bảng điểm danh (CSV)',
    'roll.col.state': 'Trạng thái',
    'roll.col.first': 'Vào lúc',
    'roll.col.time': 'Có mặt',
    'roll.col.joins': 'Lần vào',
    'roll.empty': 'Chưa có số liệu điểm danh.',
    'roll.state.present': 'Có mặt',
    'roll.state.late': 'Vào muộn',
    'roll.state.absent': 'Vắng mặt',
    'roll.state.reconnecting': 'Đang kết nối lại',
    'kick.title': 'Mời điểm cầu ra khỏi hội nghị',
    'kick.confirm': 'Mời {name} ({site}) ra khỏi hội nghị? Mã truy cập của điểm cầu này sẽ bị thu hồi, không vào lại được bằng đường dẫn cũ.',
    'kick.reason': 'Lý do (không bắt buộc)',
    'kick.cancel': 'Hủy',
    'kick.ok': 'Mời ra',
    'kicked.noreason': 'không nêu lý do',
    'kicked.notice': 'Điểm cầu đã được mời ra khỏi hội nghị ({reason}). Liên hệ bộ phận điều hành để được cấp đường dẫn mới.',
    'replaced.notice': 'Điểm cầu này vừa vào hội nghị từ một cửa sổ hoặc máy khác; cửa sổ này đã ngừng.',
    'status.reconnecting': 'Mất kết nối tới máy chủ. Đang kết nối lại sau {s} giây… (lần {n})',
    'status.reconnected': 'Đã kết nối lại.',
    'conn.reconnecting': 'đang kết nối lại',
    'err.revoked': 'Mã truy cập đã bị thu hồi',
    'err.not_present': 'Điểm cầu không có mặt',
    'err.kicked': 'Đã bị mời ra khỏi hội nghị',
    'err.replaced': 'Điểm cầu đã vào từ nơi khác',
  },
  en: {
    'brand': 'dienhong',
    'lang.label': 'Language',

    'page.index': 'dienhong — Video conferencing',
    'page.chair': 'Chair — dienhong',
    'page.site': 'Meeting room — dienhong',
    'page.whip': 'Publish via WHIP — dienhong',
    'page.whep': 'Watch via WHEP — dienhong',

    'index.title': 'Video meetings between the city and its wards and communes',
    'index.lead': 'dienhong is the video-conferencing hub (a WebRTC SFU) of the Hanoi People\'s Committee. The chair and the meeting rooms join from a browser; nothing to install.',
    'index.how': 'Each participant receives a link with an access token from the operators. Opening that link joins the meeting.',
    'index.pages': 'Pages',
    'index.chair': 'Chair page',
    'index.chair.desc': 'For the presiding leader: see every meeting room, send your own picture and sound.',
    'index.site': 'Meeting room page',
    'index.site.desc': 'For a ward or commune meeting room: the chair is shown large, the other rooms alongside.',
    'index.whip': 'Publish via WHIP',
    'index.whip.desc': 'Send camera and microphone with the standard WHIP protocol.',
    'index.whep': 'Watch via WHEP',
    'index.whep.desc': 'Watch the meeting\'s main program (the chair\'s picture and sound) with the standard WHEP protocol.',
    'index.open': 'Open with an access token',
    'index.open.page': 'Page',
    'index.open.token': 'Access token',
    'index.open.name': 'Display name (optional)',
    'index.open.go': 'Open',
    'index.offline': 'The pages need no Internet access, only a connection to the meeting hub.',

    'room.chair.title': 'Chair',
    'room.site.title': 'Meeting room',
    'room.stage.wait': 'Waiting for the chair\'s video…',
    'room.grid.empty': 'No meeting room is sending yet.',
    'room.others': 'Other rooms',
    'room.sites': 'Meeting rooms',
    'room.you': 'Your picture',
    'room.nopreview': 'No camera',
    'room.mic': 'Microphone',
    'room.cam': 'Camera',
    'room.mic.off': 'Unmute microphone',
    'room.mic.on': 'Mute microphone',
    'room.cam.off': 'Turn camera on',
    'room.cam.on': 'Turn camera off',
    'room.leave': 'Leave meeting',
    'room.rejoin': 'Join again',
    'room.meeting': 'Meeting',
    'room.name': 'Name',
    'room.role': 'Role',
    'room.count': 'Sending: {n}',
    'room.unmute': 'Turn sound on',
    'room.audio.blocked': 'The browser blocked autoplay with sound. Click to listen.',
    'room.recvonly.media': 'Camera/microphone unavailable ({reason}). You still see and hear the meeting (receive only).',
    'room.recvonly.partial': 'Sending {what} only: {reason}.',
    'room.recvonly.role': 'The {role} role only watches and listens.',
    'room.recvonly.option': 'Receive-only mode (from the link).',

    'conn.ws': 'Hub',
    'conn.pub': 'Send',
    'conn.sub': 'Receive',
    'conn.new': 'not connected',
    'conn.connecting': 'connecting',
    'conn.connected': 'connected',
    'conn.open': 'connected',
    'conn.disconnected': 'disconnected',
    'conn.failed': 'failed',
    'conn.closed': 'closed',
    'conn.idle': '—',

    'status.init': 'Starting…',
    'status.connecting': 'Connecting to the hub…',
    'status.joining': 'Joining the meeting…',
    'status.joined': 'Joined meeting {meeting}.',
    'status.media': 'Opening camera and microphone…',
    'status.publishing': 'Sending picture and sound.',
    'status.recvonly': 'Joined meeting {meeting} (receive only).',
    'status.left': 'You left the meeting.',
    'status.stopped': 'Stopped.',
    'status.whip.sending': 'Sending the publish request…',
    'status.whip.live': 'Publishing via WHIP.',
    'status.whep.sending': 'Sending the watch request…',
    'status.whep.live': 'Watching via WHEP.',
    'status.gathering': 'Gathering network addresses…',
    'status.error': 'Error: {message}',
    'status.ready': 'Enter the meeting and the access token, then press Start.',

    'role.chair': 'Chair',
    'role.operator': 'Operator',
    'role.site': 'Meeting room',
    'role.clerk': 'Clerk',
    'role.observer': 'Observer',

    'media.video': 'video',
    'media.audio': 'audio',

    'form.meeting': 'Meeting',
    'form.token': 'Access token',
    'form.start': 'Start',
    'form.stop': 'Stop',
    'stats.title': 'Statistics',
    'stats.none': 'No statistics yet.',
    'stats.kind': 'Kind',
    'stats.codec': 'Codec',
    'stats.packets': 'Packets',
    'stats.frames': 'Frames',
    'stats.size': 'Size',

    'err.no_token': 'The link has no access token (#token=...).',
    'err.no_meeting': 'No meeting given (#meeting=...).',
    'err.bad_token': 'The access token cannot be read.',
    'err.ws_connect': 'Cannot connect to the hub',
    'err.ws_closed': 'Connection to the hub lost',
    'err.timeout': 'The hub did not answer',
    'err.bad_json': 'Invalid data sent',
    'err.bad_request': 'Request has a missing or wrong field',
    'err.unknown_type': 'The hub does not know this request',
    'err.unauthorized': 'Invalid access token',
    'err.token_expired': 'The access token has expired',
    'err.wrong_meeting': 'The access token is for another meeting',
    'err.forbidden': 'This role is not allowed to do that',
    'err.not_joined': 'Not joined yet',
    'err.already_joined': 'Already joined',
    'err.bad_sdp': 'The hub refused the session description (SDP)',
    'err.too_large': 'Message too large',
    'err.rate_limited': 'Too many requests',
    'err.internal': 'Internal hub error',
    'err.media': 'Cannot open camera/microphone',
    'err.codec_unavailable': 'The browser lacks the requested codec',
    'err.transport_failed': 'Media connection failed',
    'err.webrtc': 'WebRTC error',
    'err.http': 'The hub answered with an HTTP error',
    'err.network': 'Network error',

    'page.operator': 'Operator — dienhong',
    'room.operator.title': 'Operator',
    'index.operator': 'Operator page',
    'index.operator.desc': 'For the operators: the state of every meeting room, giving the floor, muting, attendance.',
    'room.mic.gated': 'Microphone off (wait for the floor)',
    'speaker.label': 'Speaking:',
    'speaker.none': '—',
    'hand.raise': 'Request to speak',
    'hand.lower': 'Cancel request',
    'hand.floor': 'You have the floor',
    'hand.raised': 'Request sent, waiting for the chair.',
    'hand.position': 'Request sent — number {n} in line.',
    'floor.yours': 'You have the floor — microphone on.',
    'floor.queue': 'Requests to speak',
    'floor.queue.empty': 'No meeting room has asked to speak.',
    'floor.holders': 'Has the floor',
    'floor.holders.empty': 'No meeting room has the floor.',
    'floor.give': 'Give the floor',
    'floor.take': 'Take back',
    'floor.muteall': 'Mute all',
    'wall.page': 'Page {n}/{total}',
    'wall.page.none': 'Page —',
    'wall.prev': 'Previous page',
    'wall.next': 'Next page',
    'wall.thumbs': 'Meeting room pictures',
    'wall.thumbs.empty': 'No picture from the rooms on this page yet.',
    'wall.title': 'All meeting rooms',
    'wall.filter': 'Filter by name or code…',
    'wall.show': 'Show',
    'wall.show.all': 'All',
    'wall.show.connected': 'Connected',
    'wall.show.disconnected': 'Not connected',
    'wall.show.hand': 'Asking to speak',
    'wall.show.floor': 'Has the floor',
    'wall.col.site': 'Meeting room',
    'wall.col.district': 'District',
    'wall.col.level': 'Level',
    'wall.col.video': 'Video',
    'wall.col.kbps': 'kbit/s',
    'wall.col.loss': 'Loss',
    'wall.col.rtt': 'RTT (ms)',
    'wall.col.state': 'State',
    'wall.col.actions': 'Actions',
    'wall.empty': 'No list of meeting rooms received yet.',
    'wall.connected': 'Connected {n}/{total}',
    'wall.shown': '{n} shown',
    'wall.mute': 'Mute',
    'wall.thumb.offline': 'Not connected',
    'wall.thumb.novideo': 'No picture yet',
    'wall.kick': 'Remove',
    'wall.hand': 'Hand',
    'wall.floor': 'Floor',
    'roll.title': 'Attendance',
    'docs.title': 'Documents',
    'docs.empty': 'No documents yet.',
    'docs.held': 'received',
    'docs.missing': 'Not yet',
    'viewer.title': 'Presented document',
    'viewer.none': 'No document open. Pick one from the list, or wait for the chair to present.',
    'viewer.page': 'Page {n}/{total}',
    'viewer.prev': 'Previous page',
    'viewer.next': 'Next page',
    'viewer.follow': 'Follow the presenter',
    'viewer.following': 'Following the presenter: {title}',
    'viewer.away': 'The presenter is on page {n} of “{title}”.',
    'viewer.loading': 'Downloading the document…',
    'viewer.loading.short': '(downloading)',
    'viewer.missing': 'This computer does not have the presented document yet.',
    'viewer.nolib': 'The PDF viewer (pdf.js) could not be loaded.',
    'viewer.bad': 'This document cannot be shown.',
    'viewer.live': '● presenting',
    'viewer.present': 'Present',
    'viewer.presenting': 'You are presenting: page {n}/{total}',
    'viewer.present.prev': 'Present the previous page',
    'viewer.present.next': 'Present the next page',
    'viewer.stop': 'Stop presenting',
    'viewer.unsupported': 'The server does not support presenting documents yet.',
    'viewer.failed': 'Could not present: {message}',
    'roll.refresh': 'Refresh',
    'roll.download': 'Download attendance (CSV)',
    'roll.col.state': 'State',
    'roll.col.first': 'Joined at',
    'roll.col.time': 'Present',
    'roll.col.joins': 'Joins',
    'roll.empty': 'No attendance data yet.',
    'roll.state.present': 'Present',
    'roll.state.late': 'Late',
    'roll.state.absent': 'Absent',
    'roll.state.reconnecting': 'Reconnecting',
    'kick.title': 'Remove a meeting room from the meeting',
    'kick.confirm': 'Remove {name} ({site}) from the meeting? Its access token is revoked: the old link will not let it back in.',
    'kick.reason': 'Reason (optional)',
    'kick.cancel': 'Cancel',
    'kick.ok': 'Remove',
    'kicked.noreason': 'no reason given',
    'kicked.notice': 'This meeting room was removed from the meeting ({reason}). Ask the operators for a new link.',
    'replaced.notice': 'This meeting room joined again from another window or computer; this window has stopped.',
    'status.reconnecting': 'Connection to the hub lost. Reconnecting in {s} s… (try {n})',
    'status.reconnected': 'Reconnected.',
    'conn.reconnecting': 'reconnecting',
    'err.revoked': 'The access token was revoked',
    'err.not_present': 'The meeting room is not connected',
    'err.kicked': 'Removed from the meeting',
    'err.replaced': 'The meeting room joined from elsewhere',
  },
};

function storedLang() {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return LANGS.includes(v) ? v : null;
  } catch {
    return null;
  }
}

let lang = storedLang() || 'vi';
const listeners = new Set();

export function getLang() {
  return lang;
}

export function t(key, params) {
  let s = TABLE[lang][key] ?? TABLE.vi[key] ?? key;
  if (params) {
    s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
  }
  return s;
}

export function has(key) {
  return key in TABLE.vi;
}

// Translates an error code to a label, falling back to the raw code.
export function errorLabel(code) {
  return has(`err.${code}`) ? t(`err.${code}`) : String(code);
}

export function roleLabel(role) {
  return role && has(`role.${role}`) ? t(`role.${role}`) : role || '';
}

export function applyI18n(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  }
  document.documentElement.lang = lang;
}

export function setLang(next, { persist = true } = {}) {
  if (!LANGS.includes(next)) return;
  lang = next;
  if (persist) {
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      /* storage unavailable: the choice lasts for this page only */
    }
  }
  applyI18n();
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// Fills a container with one button per language.
export function mountLangSwitch(container) {
  if (!container) return;
  container.replaceChildren();
  container.setAttribute('role', 'group');
  container.dataset.i18nAriaLabel = 'lang.label';
  for (const code of LANGS) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'lang-btn';
    b.dataset.lang = code;
    b.textContent = code.toUpperCase();
    b.addEventListener('click', () => setLang(code));
    container.append(b);
  }
  const sync = () => {
    for (const b of container.querySelectorAll('button')) {
      b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
    }
  };
  sync();
  onLangChange(sync);
}

// Common page start: optional #lang= override, translate, mount the switch.
export function initI18n(params) {
  const wanted = params && params.get ? params.get('lang') : null;
  if (wanted && LANGS.includes(wanted)) setLang(wanted);
  applyI18n();
  mountLangSwitch(document.getElementById('lang-switch'));
}
